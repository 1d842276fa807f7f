// ucarp-ts's daemon image. The command (src/cli.ts) parses and checks the options,
// then becomes this program: by exec in the foreground (same PID, settings in a
// memory file whose descriptor is on the command line), or as the detached child of
// --daemonize (settings over the IPC channel). Either way it runs one virtual host.
import { closeSync, readFileSync } from 'node:fs';
import { decodeHandover, type Handover } from './config/settings-transfer.js';
import { SETTINGS_FD_FLAG } from './daemon/daemon-image.js';
import { daemonChild, type DaemonChild } from './daemon/daemonize.js';
import { refuseToStart, runDaemon } from './daemon/run-daemon.js';

const EXIT_USAGE = 64;

async function main(): Promise<void> {
  const child: DaemonChild | null = daemonChild();
  let handover!: Handover;
  try {
    handover = decodeHandover(child ? await child.payload : readSettingsFd());
  } catch (e) {
    const reason = `${e instanceof Error ? e.message : String(e)} (this program is started by ucarp-ts, not by hand)`;
    await refuseToStart(reason, child, EXIT_USAGE);
  }
  process.title = handover.title;
  await runDaemon(handover, child);
}

function readSettingsFd(): Buffer {
  const flag = process.argv.find((a) => a.startsWith(SETTINGS_FD_FLAG));
  const fd = flag ? Number(flag.slice(SETTINGS_FD_FLAG.length)) : NaN;
  if (!Number.isInteger(fd) || fd < 3) throw new Error(`no ${SETTINGS_FD_FLAG}N`);
  try {
    return readFileSync(fd);
  } catch (e) {
    throw new Error(`cannot read the settings from descriptor ${fd}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // not open: the read already said so
    }
  }
}

void main();
