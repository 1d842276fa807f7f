// Loads our native addon (build/Release/packet_socket.node, from binding.gyp)
// relative to the package root, so it is found from src/ and from dist/src/.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findUpwards } from './package-root.js';

const ADDON = join('build', 'Release', 'packet_socket.node');

export interface NativeAddon {
  open(ifindex: number): number;
  send(fd: number, ifindex: number, frame: Buffer): number;
  close(fd: number): void;
  cloexec(fd: number): void;
  /** IPv4 addresses (network-order numbers) of the interface, whatever its link state. */
  ipv4Addresses(name: string): number[];
}

let addon: NativeAddon | undefined;

/** Loaded on first use so that importing our modules never needs the native build. */
export function nativeAddon(): NativeAddon {
  if (addon) return addon;
  const root = findUpwards(import.meta.url, ADDON);
  if (!root) throw new Error(`${ADDON} not found: run "npm run build:native"`);
  addon = createRequire(import.meta.url)(join(root, ADDON)) as NativeAddon;
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
