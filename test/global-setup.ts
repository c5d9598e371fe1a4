// Once per `npm test`: before the first test and after the summary, name the tests that will skip
// because a program they drive is missing here (test/helpers/tools.ts), so a run on a machine
// without Chromium or Prometheus does not pass quietly with less tested.

import { chromiumCheck, prometheusCheck, skipBanner } from './helpers/tools.ts';

export default function setup(): () => void {
  const banner = skipBanner([chromiumCheck(), prometheusCheck()]);
  const say = () => {
    if (banner.length > 0) console.warn(`\n${banner.join('\n')}\n`);
  };
  say();
  return say;
}
