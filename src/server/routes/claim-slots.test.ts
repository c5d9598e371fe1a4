import { describe, expect, it } from 'vitest';
import { ClaimSlots } from './claim-slots.ts';

describe('ClaimSlots', () => {
  it('lets each pilot hold one claim and each token a bounded number', () => {
    const slots = new ClaimSlots(2);
    expect(slots.acquire('p1', 1)).toBeNull();
    expect(slots.acquire('p1', 1)).toContain('pilot p1 already has a claim waiting');
    expect(slots.acquire('p2', 1)).toBeNull();
    expect(slots.acquire('p3', 1)).toContain('already holds 2 claim long-polls');
    // Another token is not affected by the first one's count.
    expect(slots.acquire('p3', 2)).toBeNull();
    slots.release('p1', 1);
    expect(slots.acquire('p4', 1)).toBeNull();
    expect(slots.acquire('p1', 1)).toContain('already holds 2');
    slots.release('p2', 1);
    expect(slots.acquire('p1', 1)).toBeNull();
  });
});
