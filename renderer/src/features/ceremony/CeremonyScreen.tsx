import { useEffect, useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { FileBrowserDialog } from '../../components/FileBrowserDialog';
import { ApprovalStatus } from './ApprovalStatus';
import { CancelCeremonyDialog } from './CancelCeremonyDialog';
import { ChangesSection, FindingsSection, ProvenanceSection, SbomSection, TimelineSection } from './EvidenceSections';
import { ExportBundlePanel } from './ExportBundlePanel';
import { offers, releaseTitle, stateText, stateTone } from './format';
import { CeremonyBanners } from './CeremonyBanners';
import { PublishPanel } from './PublishPanel';
import { ReviewChecklist } from './ReviewChecklist';
import { SignDialog } from './SignDialog';
import { SignedContent } from './SignedContent';
import { useCeremony } from './store';
import { VerifyAgain } from './VerifyAgain';
import { RetryableError } from '../../components/RetryableError';

/** One ceremony: what is signed, the evidence, where the approvals stand, and the actions the core offers (`detail.actions`). */
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

  // Until start() runs for a new id, the store may still hold the previous ceremony: never show it under this one's address.
  const detail = shownId === ceremonyId ? storedDetail : undefined;

  return (
    <section className="screen ceremony" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>{detail ? releaseTitle(detail.release) : `Ceremony ${ceremonyId}`}</h2>
        {detail && <span className={`badge badge-${stateTone[detail.state]}`}>{stateText[detail.state]}</span>}
      </div>
      {detail && (
        <p className="muted ceremony-id">
          Ceremony <code>{detail.id}</code>
        </p>
      )}

      {detail && <CeremonyBanners detail={detail} />}

      <BusyStatus texts={loading && !detail ? ['Loading the ceremony…'] : []} />
      <RetryableError error={loadError && (detail ? { ...loadError, message: `${loadError.message} What is shown may be out of date.` } : loadError)} onRetry={load} />

      {detail && (
        <div className="ceremony-sections">
          <ApprovalStatus detail={detail} />
          <SignedContent detail={detail} />
          <FindingsSection detail={detail} />
          <ProvenanceSection provenance={detail.provenance} />
          <SbomSection sbom={detail.sbom} />
          <ChangesSection changes={detail.changes} />
          <ReviewChecklist />
          <PublishPanel />
          <ExportBundlePanel />
          <TimelineSection detail={detail}>
            <VerifyAgain />
          </TimelineSection>
          {offers(detail, 'cancel') && (
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
