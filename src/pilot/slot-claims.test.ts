import { describe, expect, it } from 'vitest';
import type { ClaimReply } from '../protocol/schemas/pilots.ts';
import { cutShort } from './slot-claims.ts';

const none: ClaimReply = { job: null, command: null };
const stop: ClaimReply = { job: null, command: 'stop' };
const job = { job: { id: 1 }, command: null } as unknown as ClaimReply;
const NOW = 1000;
const waiting = { hold: undefined, until: NOW + 5000 };

describe('cutShort', () => {
  it.each([
    ['nobody got anything: every wait was over', [none, none], [waiting, waiting], [false, false]],
    ['one got a job: the other was cut short', [job, none], [waiting, waiting], [false, true]],
    ['a stop cuts the others short too', [none, stop], [waiting, waiting], [true, false]],
    ['all got jobs', [job, job], [waiting, waiting], [false, false]],
    [
      'a claim whose wait has passed is not sent again',
      [job, none],
      [waiting, { hold: undefined, until: NOW }],
      [false, false],
    ],
    [
      'a hold was answered at once by design',
      [job, none],
      [waiting, { hold: 'disk full', until: NOW + 5000 }],
      [false, false],
    ],
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
