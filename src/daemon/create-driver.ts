// Picks the protocol driver for the settings.
import type { Settings } from '../config/settings.js';
import { createCarpDriver } from './carp-driver.js';
import type { ProtocolDriver } from './protocol-driver.js';

export function createDriver(s: Settings, wallClockMs = Date.now()): ProtocolDriver {
  switch (s.protocol) {
    case 'carp':
      return createCarpDriver(s, wallClockMs) as ProtocolDriver;
    default:
      throw new Error(`protocol ${s.protocol} is not available in this build`);
  }
}
