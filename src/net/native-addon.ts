// Loads our native addons (build/Release/*.node, from binding.gyp) relative to the
// package root, so they are found from src/ and from dist/src/.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { findUpwards } from './package-root.js';

export interface NativeAddon {
  open(ifindex: number): number;
  send(fd: number, ifindex: number, frame: Buffer): number;
  close(fd: number): void;
  cloexec(fd: number): void;
  /** IPv4 addresses (network-order numbers) of the interface, whatever its link state. */
  ipv4Addresses(name: string): number[];
}

/** build/Release/<name>.node; throws when it is not built. */
export function loadAddon<T>(name: string): T {
  const file = join('build', 'Release', `${name}.node`);
  const root = findUpwards(import.meta.url, file);
  if (!root) throw new Error(`${file} not found: run "npm run build:native"`);
  return createRequire(import.meta.url)(join(root, file)) as T;
}

let addon: NativeAddon | undefined;

/** Loaded on first use so that importing our modules never needs the native build. */
export function nativeAddon(): NativeAddon {
  addon ??= loadAddon<NativeAddon>('packet_socket');
  return addon;
}

/** The addon, or undefined when it is not built (for best-effort helpers). */
export function nativeAddonIfBuilt(): NativeAddon | undefined {
  try {
    return nativeAddon();
  } catch {
    return undefined;
  }
}

/** An Error for a bare errno from an addon, with .code (ENETDOWN...) as Node's own errors have. */
export function errnoError(errno: number): Error {
  const code = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return Object.assign(new Error(code), { code, errno });
}
