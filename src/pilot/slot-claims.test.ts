import { describe, expect, it } from 'vitest';
import type { ClaimReply } from '../protocol/schemas/pilots.ts';
import { cutShort } from './slot-claims.ts';

const none: ClaimReply = { job: null, command: null };
const stop: ClaimReply = { job: null, command: 'stop' };
const job = { job: { id: 1 }, command: null } as unknown as ClaimReply;
const NOW = 1000;
const waiting = { hold: undefined, until: NOW + 5000 };

describe('cutShort', () => {
  const over = { hold: undefined, until: NOW };
  const holding = { hold: 'disk full', until: NOW };
  it.each([
    [
      'nobody got anything and no wait was over: the server answered early (closing)',
      [none, none],
      [waiting, waiting],
      [false, false],
    ],
    ['one got a job: the other was cut short', [job, none], [waiting, waiting], [false, true]],
    ['a stop cuts the others short too', [none, stop], [waiting, waiting], [true, false]],
    ['all got jobs', [job, job], [waiting, waiting], [false, false]],
    [
      'a claim whose wait is over ends the batch: the others go again',
      [none, none],
      [over, waiting],
      [false, true],
    ],
    [
      'a wait over within the slack counts as over',
      [none, none],
      [{ hold: undefined, until: NOW + 5 }, waiting],
      [false, true],
    ],
    ['a hold is answered at once and ends the batch', [none, none], [waiting, holding], [true, false]],
    [
      'a cleared hold claims on like any claim',
      [job, none],
      [waiting, { hold: null, until: NOW + 5000 }],
      [false, true],
    ],
  ] as const)('%s', (_name, answers, claims, again) => {
    expect(cutShort(answers, claims, NOW)).toEqual(again);
  });
});
