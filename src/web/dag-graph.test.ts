import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { DagSvg, layoutGraph } from './dag-graph.tsx';

// Rendered by calling the component: unit tests are .ts files.

describe('DAG drawing', () => {
  const vertices = [
    { id: '1', label: 'a', state: 'finished', href: '/jobs/1' },
    { id: '2', label: 'b', state: 'running', href: '/jobs/2' },
    { id: '3', label: 'c', noop: true },
  ];
  const edges = [
    { from: '1', to: '2', title: 'f.txt' },
    { from: '1', to: '2', title: 'g.txt' },
    { from: '2', to: '3' },
  ];

  it('lays out top to bottom and reuses the layout of the same graph', () => {
    const placed = layoutGraph('t', vertices, edges);
    const y = (id: string) => placed.vertices.get(id)!.y;
    expect(y('1')).toBeLessThan(y('2'));
    expect(y('2')).toBeLessThan(y('3'));
    expect(placed.edges).toHaveLength(3);
    expect(layoutGraph('t', vertices, edges)).toBe(placed);
    expect(layoutGraph('t', vertices, edges.slice(1))).not.toBe(placed);
  });

  it('draws vertices with their state classes and links, parallel edges each', () => {
    const svg = renderToString(DagSvg({ layoutKey: 't', vertices, edges }));
    expect(svg).toContain(
      '<a href="/jobs/2"><g class="node state-running" data-vertex="2" data-state="running">',
    );
    expect(svg).toContain('<g class="node noop" data-vertex="3">');
    expect(svg.match(/<path class="edge"/g)).toHaveLength(3);
    expect(svg).toContain('<title>g.txt</title>');
    expect(renderToString(DagSvg({ layoutKey: 'e', vertices: [], edges: [] }))).toContain('no vertices');
  });
});
