// Watching one interface's index and carrier. The kernel announces every link change
// over rtnetlink (link_events addon); an announcement about our interface (or a lost
// one: the kernel's queue overflowed) triggers one read of its state from sysfs, so
// the answer is exactly what readLinkState says, now without polling: idle, this costs
// no wake-up at all. Without the addon (or if its socket fails) it falls back to
// polling, and says so once.
//
// Physical NICs: the kernel announces a carrier change after its link-watch delay
// (up to a second; veth and bonding ports at once). keepalived hears the same.
import { linkEventsAddon } from './kernel-addons.js';
import { readLinkState } from './interface-info.js';
import { parseLinkAnnouncements } from './rtnetlink.js';

export interface LinkState {
  ifindex: number;
  running: boolean;
}

export interface LinkWatchOptions {
  /** How often to poll when announcements are unavailable. */
  pollMs: number;
  /** Called with the state after every change the kernel announced (undefined: gone), maybe unchanged. */
  onChange: (state: LinkState | undefined) => void;
  /** One line, once, when the watch falls back to polling. */
  onNotice: (line: string) => void;
}

export interface LinkWatch {
  readonly mode: 'events' | 'poll';
  close(): void;
}

export function watchLink(name: string, o: LinkWatchOptions): LinkWatch {
  let poll: NodeJS.Timeout | null = null;
  let id: number | undefined;
  let lastIndex = -1;
  let closed = false;
  const read = (): void => {
    if (closed) return;
    const state = readLinkState(name);
    if (state) lastIndex = state.ifindex;
    o.onChange(state);
  };
  const startPolling = (why: string): void => {
    if (poll || closed) return;
    o.onNotice(`no link announcements from the kernel (${why}): polling ${name} every ${o.pollMs} ms`);
    poll = setInterval(read, o.pollMs);
  };
  const addon = linkEventsAddon();
  if (!addon) startPolling('the link_events addon is not built');
  else {
    try {
      id = addon.open((datagram, errno) => {
        if (closed) return;
        if (!datagram) {
          if (errno === 105 /* ENOBUFS: announcements were lost */) return read();
          if (id !== undefined) addon.close(id);
          id = undefined;
          startPolling(`netlink socket error ${errno}`);
          return read();
        }
        for (const a of parseLinkAnnouncements(datagram)) {
          if (a.name === name || a.ifindex === lastIndex) return read();
        }
      });
    } catch (e) {
      startPolling(e instanceof Error ? e.message : String(e));
    }
  }
  // Changes between the caller's own read and the subscription are not lost.
  read();
  return {
    get mode() {
      return poll ? 'poll' : 'events';
    },
    close(): void {
      closed = true;
      if (poll) clearInterval(poll);
      if (id !== undefined) addon?.close(id);
      id = undefined;
    },
  };
}
