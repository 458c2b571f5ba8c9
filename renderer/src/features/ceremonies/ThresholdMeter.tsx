import type { CeremonySummary } from '../../../../shared/api/contract';
import { meterValues } from './format';

interface ThresholdMeterProps {
  summary: Pick<CeremonySummary, 'counted' | 'policy' | 'tally'>;
  /** The accessible name, e.g. "Approvals for app 1.2.3". */
  label: string;
}

/** Approvals that count, out of the policy's threshold, with the core's own words ("2 of 3, security still needed"). */
export function ThresholdMeter({ summary, label }: ThresholdMeterProps) {
  const { value, max } = meterValues(summary);
  return (
    <div className="threshold">
      <meter className="threshold-meter" min={0} max={max} low={max} optimum={max} value={value} aria-label={label} aria-valuetext={summary.tally} />
      {/* The meter carries the same words for assistive technology (aria-valuetext). */}
      <span className="threshold-text" aria-hidden="true">
        {summary.tally}
      </span>
    </div>
  );
}
