// Hook scripts as ucarp users write them: add or remove the virtual address (/32, or
// /128 without duplicate address detection for IPv6) on the interface. Written once per
// lab into its folder; shared by tests, the demo and the bench.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function addressScripts(lab: { tmpDir: string }): { up: string; down: string } {
  const up = join(lab.tmpDir, 'vip-up.sh');
  const down = join(lab.tmpDir, 'vip-down.sh');
  if (!existsSync(up)) {
    // "Already there" and "nothing to remove" are no failures (start-up, repeated hooks).
    const script = (v4: string, v6: string): string => `#!/bin/sh\ncase $2 in *:*) ${v6} ;; *) ${v4} ;; esac 2>/dev/null\nexit 0\n`;
    writeFileSync(up, script('ip addr add "$2/32" dev "$1"', 'ip -6 addr add "$2/128" dev "$1" nodad'));
    writeFileSync(down, script('ip addr del "$2/32" dev "$1"', 'ip -6 addr del "$2/128" dev "$1"'));
    chmodSync(up, 0o755);
    chmodSync(down, 0o755);
  }
  return { up, down };
}
