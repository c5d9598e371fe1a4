// Table tests of the workflow-level decisions: start, retry candidates, single-job retry, file states.

import { describe, expect, it } from 'vitest';
import type { JobState } from '../job-state.ts';
import type { DagTemplate } from './dag-types.ts';
import { applyChanges, initialStates } from './readiness.ts';
import { canRetryAlone, fileStateFor, retryCandidates, startChanges } from './workflow-rules.ts';

function makeDag(edges: string, noop: string[] = []): DagTemplate {
  const names: string[] = [];
  const pairs = edges.split(' ').map((p) => p.split('>') as [string, string]);
  for (const v of pairs.flat()) if (!names.includes(v)) names.push(v);
  return {
    vertices: names.map((name) => ({
      name,
      payload: 'true',
      env: {},
      jobtype: noop.includes(name) ? 'noop' : 'default',
      timelimit: 10,
      priority: 0,
    })),
    edges: pairs.map(([source, target], index) => ({
      index,
      source,
      target,
      name: 'f',
      dirpath: '',
      datatype: '',
      datatag: '',
      comment: '',
    })),
  };
}

const statesOf = (dag: DagTemplate, text: string) => {
  const states = new Map<string, JobState>(dag.vertices.map((v) => [v.name, 'template']));
  for (const pair of text.split(' ').filter(Boolean)) {
    const [v, s] = pair.split(':') as [string, JobState];
    states.set(v, s);
  }
  return states;
};

describe('startChanges', () => {
  it.each([
    ['a>b a>c b>d c>d', []],
    ['N1>f1 N1>f2 f1>N2 f2>N2', ['N1', 'N2']],
    ['a>m m>b', ['m']],
    ['N>x', ['N', 'x']],
  ])('applied to an all-template workflow gives initialStates (%s)', (edges, noop) => {
    const dag = makeDag(edges, noop);
    const start = statesOf(dag, '');
    expect(applyChanges(start, startChanges(dag))).toEqual(new Map(initialStates(dag)));
  });

  it('lists changes parents first with their reasons', () => {
    const dag = makeDag('N1>f1 N1>f2 f1>N2', ['N1', 'N2']);
    expect(startChanges(dag)).toEqual([
      { vertex: 'N1', from: 'template', to: 'finished', reason: 'noop_completed' },
      { vertex: 'f1', from: 'template', to: 'defined', reason: 'parents_finished' },
      { vertex: 'f2', from: 'template', to: 'defined', reason: 'parents_finished' },
    ]);
  });
});

describe('retryCandidates', () => {
  const dag = makeDag('a>b a>c b>d c>d d>e');
  it.each([
    ['a failed job, not what it cancelled', 'a:finished b:failed c:finished d:cancelled e:cancelled', ['b']],
    ['every failed job, parents first', 'a:finished b:failed c:failed d:cancelled e:cancelled', ['b', 'c']],
    [
      'a killed job whose parents finished',
      'a:finished b:finished c:cancelled d:cancelled e:cancelled',
      ['c'],
    ],
    [
      'the sources of a cancelled template workflow',
      'a:cancelled b:cancelled c:cancelled d:cancelled e:cancelled',
      ['a'],
    ],
    ['nothing in a finished workflow', 'a:finished b:finished c:finished d:finished e:finished', []],
  ])('%s', (_name, states, expected) => {
    expect(retryCandidates(dag, statesOf(dag, states))).toEqual(expected);
  });
});

describe('canRetryAlone', () => {
  const dag = makeDag('a>c b>c');
  it.each([
    ['c', 'a:finished b:finished c:failed', true],
    ['c', 'a:finished b:failed c:cancelled', false],
    ['a', 'a:failed b:finished c:cancelled', true],
  ])('%s in %s: %s', (vertex, states, expected) => {
    expect(canRetryAlone(dag, statesOf(dag, states), vertex)).toBe(expected);
  });
});

describe('fileStateFor', () => {
  it.each<[JobState, string]>([
    ['template', 'template'],
    ['defined', 'template'],
    ['dispatched', 'template'],
    ['running', 'template'],
    ['finished', 'ready'],
    ['failed', 'failed'],
    ['cancelled', 'failed'],
  ])('a file whose producer is %s is %s', (state, expected) => {
    expect(fileStateFor(state)).toBe(expected);
  });
});
