// GraphML text for the end-to-end tests' own DAGs, written with P3S's key names.

export interface TestVertex {
  id: string;
  payload?: string;
  env?: Record<string, string>;
  jobtype?: string;
  timelimit?: number;
}

export interface TestEdge {
  source: string;
  target: string;
  name: string;
  datatag?: string;
  dirpath?: string;
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function graphml(vertices: TestVertex[], edges: TestEdge[]): string {
  const data = (key: string, value: string | number | undefined) =>
    value === undefined ? '' : `\n      <data key="${key}">${xml(String(value))}</data>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="payload" attr.type="string" for="node" id="d101"/>
  <key attr.name="env" attr.type="string" for="node" id="d102"/>
  <key attr.name="jobtype" attr.type="string" for="node" id="d103"/>
  <key attr.name="timelimit" attr.type="int" for="node" id="d104"/>
  <key attr.name="name" attr.type="string" for="edge" id="d1"/>
  <key attr.name="dirpath" attr.type="string" for="edge" id="d2"/>
  <key attr.name="datatag" attr.type="string" for="edge" id="d4"/>
  <graph edgedefault="directed">
${vertices
  .map(
    (v) =>
      `    <node id="${xml(v.id)}">${data('d101', v.payload)}${data('d102', v.env && JSON.stringify(v.env))}${data(
        'd103',
        v.jobtype,
      )}${data('d104', v.timelimit)}\n    </node>`,
  )
  .join('\n')}
${edges
  .map(
    (e) =>
      `    <edge source="${xml(e.source)}" target="${xml(e.target)}">${data('d1', e.name)}${data(
        'd2',
        e.dirpath,
      )}${data('d4', e.datatag)}\n    </edge>`,
  )
  .join('\n')}
  </graph>
</graphml>
`;
}
