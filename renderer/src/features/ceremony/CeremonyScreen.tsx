import { useEffect, useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { FileBrowserDialog } from '../../components/FileBrowserDialog';
import { ApprovalStatus } from './ApprovalStatus';
import { CancelCeremonyDialog } from './CancelCeremonyDialog';
import { CeremonyHeader } from './CeremonyHeader';
import { ChangesSection, FindingsSection, ProvenanceSection, SbomSection, TimelineSection } from './EvidenceSections';
import { ExportBundlePanel } from './ExportBundlePanel';
import { offers } from './format';
import { CeremonyBanners } from './CeremonyBanners';
import { nextAction } from './next-action';
import { PublishPanel } from './PublishPanel';
import { ReviewChecklist } from './ReviewChecklist';
import { SignDialog } from './SignDialog';
import { SignedContent } from './SignedContent';
import { useCeremony } from './store';
import { VerifyAgain } from './VerifyAgain';
import { RetryableError } from '../../components/RetryableError';
import './ceremony.css';

/**
 * One ceremony: a header with where it stands and the one next step, the
 * panel where that step is taken right under it (review and approve, or
 * publish), then who decided, what is signed and the evidence, the long
 * parts collapsed behind one-line summaries. What may be done comes from
 * the core (`detail.actions`).
 */
export function CeremonyScreen({ ceremonyId }: { ceremonyId: string }) {
  const headingId = useId();
  const start = useCeremony((s) => s.start);
  const load = useCeremony((s) => s.load);
  const shownId = useCeremony((s) => s.id);
  const storedDetail = useCeremony((s) => s.detail);
  const loading = useCeremony((s) => s.loading);
  const loadError = useCeremony((s) => s.loadError);
  const sign = useCeremony((s) => s.sign);
  const cancelOpen = useCeremony((s) => s.cancellation.open);
  const openCancel = useCeremony((s) => s.openCancel);
  const browsingFolder = useCeremony((s) => s.publication.browsing);
  const chooseFolder = useCeremony((s) => s.chooseFolder);
  const closeFolderBrowser = useCeremony((s) => s.closeFolderBrowser);
  const browsingExportFolder = useCeremony((s) => s.bundleExport.browsing);
  const chooseExportFolder = useCeremony((s) => s.chooseExportFolder);
  const closeExportBrowser = useCeremony((s) => s.closeExportBrowser);

  useEffect(() => start(ceremonyId), [start, ceremonyId]);
  // A ceremony's page opens at its header, where the next step is, whatever the last screen was scrolled to.
  useEffect(() => {
    // A block, not an arrow's value: Chromium's scrollTo may return a promise, which React would take for a cleanup.
    window.scrollTo({ top: 0 });
  }, [ceremonyId]);

  // Until start() runs for a new id, the store may still hold the previous ceremony: never show it under this one's address.
  const detail = shownId === ceremonyId ? storedDetail : undefined;
  const action = detail ? nextAction(detail) : undefined;
  // The header offers cancelling itself when that is all that is left; the button is never there twice.
  const cancelInHeader = action?.kind === 'none' && action.cancel;

  return (
    <section className="screen ceremony" aria-labelledby={headingId}>
      {detail ? (
        <CeremonyHeader detail={detail} headingId={headingId} />
      ) : (
        <div className="screen-header">
          <h2 id={headingId}>Ceremony {ceremonyId}</h2>
        </div>
      )}

      {detail && <CeremonyBanners detail={detail} />}

      <BusyStatus texts={loading && !detail ? ['Loading the ceremony…'] : []} />
      <RetryableError error={loadError && (detail ? { ...loadError, message: `${loadError.message} What is shown may be out of date.` } : loadError)} onRetry={load} />

      {detail && (
        <div className="ceremony-sections">
          {action?.kind === 'approve' && <ReviewChecklist />}
          <PublishPanel />
          {action?.kind !== 'approve' && <ReviewChecklist />}
          <ApprovalStatus detail={detail} />
          <SignedContent detail={detail} />
          <FindingsSection detail={detail} />
          <ProvenanceSection provenance={detail.provenance} />
          <SbomSection sbom={detail.sbom} />
          <ChangesSection changes={detail.changes} />
          {/* A published ceremony has nothing left to sign elsewhere. */}
          {detail.state !== 'published' && <ExportBundlePanel />}
          {/* Verifying is the header's step once published; before, auditors find it with the history it checks. */}
          <TimelineSection detail={detail}>{action?.kind !== 'verify' && <VerifyAgain />}</TimelineSection>
          {offers(detail, 'cancel') && !cancelInHeader && (
            <div className="actions ceremony-cancel">
              <button type="button" className="button-danger-quiet" onClick={() => void openCancel()}>
                Cancel this ceremony…
              </button>
            </div>
          )}
        </div>
      )}

      {sign && <SignDialog key={sign.epoch} />}
      {cancelOpen && <CancelCeremonyDialog />}
      {browsingFolder && <FileBrowserDialog title="Choose where to publish" mode="folder" multiple={false} onChoose={chooseFolder} onClose={closeFolderBrowser} />}
      {browsingExportFolder && <FileBrowserDialog title="Choose where to write the bundle" mode="folder" multiple={false} onChoose={chooseExportFolder} onClose={closeExportBrowser} />}
    </section>
  );
}
