// Invariants every election's actions must keep, whatever the protocol: transitions start
// from the current role and change it, and scripts run only right after a transition,
// up for MASTER and down otherwise. Returns the role after the actions.
import assert from 'node:assert/strict';
import type { ElectionAction, Role } from '../../src/core/election/types.js';

export function checkTransitions<Out>(actions: ElectionAction<Out>[], role: Role): Role {
  for (const [k, a] of actions.entries()) {
    if (a.type === 'transition') {
      assert.equal(a.from, role, 'a transition starts from the current role');
      assert.notEqual(a.to, a.from);
      role = a.to;
    }
    if (a.type === 'run-script') {
      const prev = actions[k - 1];
      assert.ok(prev?.type === 'transition', 'scripts run only on a state change');
      assert.equal(a.script, prev.to === 'MASTER' ? 'up' : 'down');
    }
  }
  return role;
}
