import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientRecord, RoundRecord } from '@federa/core';
import { defenceDecisions, defenceSection, scoreDefence } from './defence.js';

const round = (n: number, clients: ClientRecord[]): RoundRecord => ({
  round: n,
  loss: 1,
  accuracy: 0.5,
  trainLoss: 1,
  sampled: clients.length,
  succeeded: clients.filter((c) => c.ok).length,
  failed: clients.filter((c) => !c.ok).length,
  durationMs: 1,
  bytesDown: 0,
  bytesUp: 0,
  metrics: {},
  clients,
  time: '2026-01-01T00:00:00Z',
});

const history = [
  round(1, [
    { clientId: 'a1', ok: true, reason: 'norm 9.1 > 3.2 (median + 3 MAD)' },
    { clientId: 'h1', ok: true },
    { clientId: 'h2', ok: true, reason: 'cosine −0.2 to the robust centre' },
  ]),
  round(2, [
    { clientId: 'a1', ok: true },
    { clientId: 'a2', ok: true, reason: 'Krum: not selected' },
    { clientId: 'h3', ok: false, error: 'E_DEADLINE: late' },
  ]),
];

describe('defence decisions in the report', () => {
  test('lists every excluded or down-weighted update with its round and reason', () => {
    assert.deepEqual(
      defenceDecisions(history).map((d) => `${d.round}/${d.clientId}`),
      ['1/a1', '1/h2', '2/a2'],
    );
  });

  test('scores the decisions against the simulated attackers', () => {
    const s = scoreDefence(history, new Set(['a1', 'a2']));
    // a1 took part twice (flagged once), a2 once (flagged): recall 2/3; 3 decisions, 2 on attackers.
    assert.equal(s.attackerParticipations, 3);
    assert.equal(s.recall, 2 / 3);
    assert.equal(s.precision, 2 / 3);
    assert.equal(s.benignFlagged, 1);
    assert.ok(Number.isNaN(scoreDefence([], new Set(['a1'])).precision));
  });

  test('renders reasons escaped, attackers marked, and nothing when nothing happened', () => {
    const html = defenceSection(
      [round(1, [{ clientId: '<x>', ok: true, reason: 'a < b' }]), ...history],
      new Set(['a1', 'a2']),
    );
    assert.match(html, /Defence decisions/);
    assert.match(html, /&lt;x&gt;/);
    assert.match(html, /a &lt; b/);
    assert.equal((html.match(/>attacker</g) ?? []).length, 2);
    assert.match(html, /recall/);
    assert.equal(defenceSection([round(1, [{ clientId: 'h', ok: true }])]), '');
    const capped = defenceSection(history, undefined, 1);
    assert.match(capped, /First 1 of 3 decisions/);
  });
});
