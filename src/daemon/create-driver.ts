// Picks the protocol driver for the settings.
import type { GroupSettings } from '../config/settings.js';
import { createCarpDriver } from './carp-driver.js';
import type { ProtocolDriver } from './protocol-driver.js';
import { createVrrpDriver } from './vrrp-driver.js';

export function createDriver(s: GroupSettings, wallClockMs = Date.now()): ProtocolDriver {
  switch (s.protocol) {
    case 'carp':
      return createCarpDriver(s, wallClockMs) as ProtocolDriver;
    case 'vrrp2':
      return createVrrpDriver(s, 2) as ProtocolDriver;
    case 'vrrp3':
      return createVrrpDriver(s, 3) as ProtocolDriver;
  }
}
