// The job page's "why" card: the reasons GET /api/v1/jobs/:id/why gives (core/why.ts), one
// sentence each — what a queued job waits on, who holds a running one, how an ended one ended.

import type { JobState } from '../../core/index.ts';
import type { JobWhyWire } from '../../protocol/schemas/job-why.ts';
import { Card } from '../components.tsx';

const TITLES: Record<JobState, string | null> = {
  template: 'Why is it waiting?',
  defined: 'Why is it waiting?',
  dispatched: 'Who holds it',
  running: 'Who holds it',
  failed: 'How it ended',
  cancelled: 'How it ended',
  // A finished job waits on nothing: no card.
  finished: null,
};

export function WhyCard({ why }: { why: JobWhyWire | undefined }) {
  const title = why && TITLES[why.state];
  if (!why || !title) return null;
  return (
    <Card id="why" title={title}>
      <ul class="why">
        {why.reasons.map((reason) => (
          <li key={reason.message} data-code={reason.code}>
            {reason.message}
          </li>
        ))}
      </ul>
    </Card>
  );
}
