import type { ReactNode } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { BreakableText } from '../../components/BreakableText';
import { FindingsList } from '../../components/FindingsList';
import { CollapsibleSection } from './CollapsibleSection';
import { approvalTimeText, changeCount, formatInstant, signatureText, timelineTypeText } from './format';
import { changesNeedAttention, changesSummary, findingsNeedAttention, findingsSummary, longTimeline, provenanceSummary, sbomSummary, timelineSummary } from './section-summaries';

/** Opens by itself while decisions are still taken and a check failed or warned with nobody overriding it. */
export function FindingsSection({ detail }: { detail: CeremonyDetail }) {
  const deciding = detail.state === 'open' || detail.state === 'frozen';
  return (
    <CollapsibleSection title="Findings" summary={findingsSummary(detail.findings)} defaultOpen={deciding && findingsNeedAttention(detail.findings)}>
      <p className="hint">What Conclave cross-checked between the artifacts, the provenance, the SBOM and the policy.</p>
      <FindingsList findings={detail.findings} />
    </CollapsibleSection>
  );
}

/** Provenance as people read it: who built it, from what source, on what trigger, with which inputs. */
export function ProvenanceSection({ provenance }: { provenance: CeremonyDetail['provenance'] }) {
  return (
    <CollapsibleSection title="Provenance" summary={provenanceSummary(provenance)}>
      {provenance.length === 0 && <p className="muted">No provenance was attached: nothing says how these artifacts were built.</p>}
      {provenance.map((entry) => (
        <article key={entry.digest} className="provenance">
          <dl className="facts facts-stacked">
            <div>
              <dt>Builder</dt>
              <dd>
                <code>
                  <BreakableText text={entry.builderId} />
                </code>
              </dd>
            </div>
            <div>
              <dt>Source repository</dt>
              <dd>
                {entry.sourceRepository ? (
                  <code>
                    <BreakableText text={entry.sourceRepository} />
                  </code>
                ) : (
                  'not stated'
                )}
              </dd>
            </div>
            <div>
              <dt>Source commit</dt>
              <dd>{entry.sourceCommit ? <code className="digest">{entry.sourceCommit}</code> : 'not stated'}</dd>
            </div>
            <div>
              <dt>Trigger</dt>
              <dd>{entry.trigger ? <BreakableText text={entry.trigger} /> : 'not stated'}</dd>
            </div>
            <div>
              <dt>Predicate type</dt>
              <dd>
                <code>
                  <BreakableText text={entry.predicateType} />
                </code>
              </dd>
            </div>
          </dl>
          {entry.buildInputs.length > 0 && (
            <>
              <h4>Build inputs</h4>
              <ul className="inputs">
                {entry.buildInputs.map((input) => (
                  <li key={`${input.uri}@${input.digest}`}>
                    <code>
                      <BreakableText text={input.uri} />
                    </code>{' '}
                    <span className="muted digest">{input.digest}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </article>
      ))}
    </CollapsibleSection>
  );
}

export function SbomSection({ sbom }: { sbom: CeremonyDetail['sbom'] }) {
  return (
    <CollapsibleSection title="SBOM" summary={sbomSummary(sbom)}>
      {!sbom ? (
        <p className="muted">No SBOM was attached.</p>
      ) : (
        <>
          <p>
            {sbom.format === 'cyclonedx' ? 'CycloneDX' : 'SPDX'} {sbom.specVersion}
            {sbom.subject ? ` for ${sbom.subject}` : ''}: {sbom.componentCount} component{sbom.componentCount === 1 ? '' : 's'}.
          </p>
          {sbom.licenses.length > 0 && (
            <table className="table licences">
              <caption>Licences</caption>
              <thead>
                <tr>
                  <th scope="col">Licence</th>
                  <th scope="col">Components</th>
                </tr>
              </thead>
              <tbody>
                {sbom.licenses.map((entry) => (
                  <tr key={entry.license}>
                    <th scope="row">{entry.license}</th>
                    <td>{entry.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </CollapsibleSection>
  );
}

function NameList({ title, items }: { title: string; items: readonly string[] }) {
  if (items.length === 0) return null;
  return (
    <>
      <h4>
        {title} ({items.length})
      </h4>
      <ul className="names">
        {items.map((item) => (
          <li key={item}>
            <code>{item}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

/** What is different from the previous release of the same product: the things a reviewer should look at twice. */
export function ChangesSection({ changes }: { changes: CeremonyDetail['changes'] }) {
  return (
    <CollapsibleSection title="Changes since the previous release" summary={changesSummary(changes)} defaultOpen={changesNeedAttention(changes)}>
      {!changes ? (
        <p className="muted">No earlier release of this product was frozen here, so there is nothing to compare with.</p>
      ) : (
        <>
          <p>
            Compared with version {changes.previous.version} (ceremony <code>{changes.previous.id}</code>).
            {changeCount(changes) === 0 && ' Nothing changed in the components, builder or source.'}
          </p>
          {changes.newBuilders.length > 0 && (
            <div className="message message-warning">
              <p>New builder: {changes.newBuilders.join(', ')}</p>
            </div>
          )}
          {changes.newSourceRepositories.length > 0 && (
            <div className="message message-warning">
              <p>New source repository: {changes.newSourceRepositories.join(', ')}</p>
            </div>
          )}
          <NameList title="Components added" items={changes.componentsAdded} />
          <NameList title="Components removed" items={changes.componentsRemoved} />
          {changes.componentsUpgraded.length > 0 && (
            <>
              <h4>Components upgraded ({changes.componentsUpgraded.length})</h4>
              <ul className="names">
                {changes.componentsUpgraded.map((entry) => (
                  <li key={entry.name}>
                    <code>{entry.name}</code> {entry.from} → {entry.to}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </CollapsibleSection>
  );
}

/** Every event; a long history starts collapsed behind its count and last event. */
export function TimelineSection({ detail, children }: { detail: CeremonyDetail; children?: ReactNode }) {
  return (
    <CollapsibleSection title="Timeline" summary={timelineSummary(detail.timeline)} defaultOpen={detail.timeline.length <= longTimeline}>
      <TimelineTable timeline={detail.timeline} />
      {children}
    </CollapsibleSection>
  );
}

function TimelineTable({ timeline }: { timeline: CeremonyDetail['timeline'] }) {
  return (
    <table className="table timeline">
      <caption className="visually-hidden">Every event of this ceremony</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">By</th>
          <th scope="col">Signature</th>
        </tr>
      </thead>
      <tbody>
        {timeline.map((entry, index) => {
          const time = approvalTimeText(entry);
          return (
            <tr key={`${entry.at}-${entry.type}-${index}`}>
              <td>
                <time dateTime={entry.at}>{formatInstant(entry.at)}</time>
              </td>
              <td>
                {timelineTypeText[entry.type]}
                {entry.detail && <span className="muted">: {entry.detail}</span>}
                {time && <p className="hint">{time}</p>}
              </td>
              <td>
                {entry.actor}
                {entry.actorDetail && <p className="hint">{entry.actorDetail}</p>}
              </td>
              <td>
                <span className={`badge badge-${entry.signature === 'valid' ? 'ok' : entry.signature === 'invalid' ? 'danger' : 'info'}`}>{signatureText[entry.signature]}</span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
