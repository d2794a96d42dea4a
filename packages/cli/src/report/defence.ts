import type { RoundRecord } from '@federa/core';
import { formatPercent } from '../progress/format.js';
import { escapeHtml } from './html.js';

/** One decision of a robust rule or detector: a client's update excluded or down-weighted in a round. */
export interface DefenceDecision {
  readonly round: number;
  readonly clientId: string;
  readonly reason: string;
}

/** How well the decisions match the simulated attackers (when the run simulated an attack). */
export interface DefenceScore {
  /** Decisions that hit an attacker / all decisions (NaN when there were none). */
  readonly precision: number;
  /** Attacker participations that were flagged / all attacker participations (NaN when none took part). */
  readonly recall: number;
  readonly attackerParticipations: number;
  readonly benignFlagged: number;
}

/** Every client update a rule or detector excluded or down-weighted, in round order. */
export function defenceDecisions(history: readonly RoundRecord[]): DefenceDecision[] {
  return history.flatMap((r) =>
    r.clients.flatMap((c) => (c.ok && c.reason ? [{ round: r.round, clientId: c.clientId, reason: c.reason }] : [])),
  );
}

/**
 * Precision and recall of the decisions against the known attackers: a participation is a
 * (round, client) whose update arrived; it is flagged when a decision names it.
 */
export function scoreDefence(history: readonly RoundRecord[], attackers: ReadonlySet<string>): DefenceScore {
  let hits = 0;
  let decisions = 0;
  let attackerRounds = 0;
  let attackerFlagged = 0;
  for (const r of history) {
    for (const c of r.clients) {
      if (!c.ok) continue;
      const bad = attackers.has(c.clientId);
      if (bad) attackerRounds++;
      if (c.reason) {
        decisions++;
        if (bad) {
          hits++;
          attackerFlagged++;
        }
      }
    }
  }
  return {
    precision: decisions > 0 ? hits / decisions : Number.NaN,
    recall: attackerRounds > 0 ? attackerFlagged / attackerRounds : Number.NaN,
    attackerParticipations: attackerRounds,
    benignFlagged: decisions - hits,
  };
}

/**
 * The report's "Defence decisions" section: who was excluded or down-weighted in which round
 * and why, and — when the run simulated attackers — how many decisions hit them. Empty when
 * no rule or detector decided anything and no attack ran.
 */
export function defenceSection(history: readonly RoundRecord[], attackers?: ReadonlySet<string>, limit = 300): string {
  const decisions = defenceDecisions(history);
  if (decisions.length === 0 && !(attackers && attackers.size > 0)) return '';
  const parts: string[] = ['<h2>Defence decisions</h2>'];
  const flaggedClients = new Set(decisions.map((d) => d.clientId)).size;
  let line = `${decisions.length} update${decisions.length === 1 ? '' : 's'} excluded or down-weighted over ${history.length} rounds, from ${flaggedClients} client${flaggedClients === 1 ? '' : 's'}.`;
  if (attackers && attackers.size > 0) {
    const s = scoreDefence(history, attackers);
    line +=
      ` Simulated attackers: ${attackers.size}; their updates arrived ${s.attackerParticipations} times and ` +
      `${Number.isFinite(s.recall) ? formatPercent(s.recall) : '-'} of those were flagged (recall); ` +
      `${Number.isFinite(s.precision) ? formatPercent(s.precision) : '-'} of the decisions hit an attacker (precision), ` +
      `${s.benignFlagged} hit honest clients.`;
  }
  parts.push(`<p>${escapeHtml(line)}</p>`);
  if (decisions.length > 0) {
    const rows = decisions.slice(0, limit).map((d) => {
      const who = attackers?.has(d.clientId) ? '<td class="bad">attacker</td>' : attackers ? '<td>honest</td>' : '';
      return `<tr><td class="num">${d.round}</td><td class="id">${escapeHtml(d.clientId)}</td>${who}<td>${escapeHtml(d.reason)}</td></tr>`;
    });
    const more =
      decisions.length > limit
        ? `<p class="note">First ${limit} of ${decisions.length} decisions; clients.jsonl in the run folder has them all.</p>`
        : '';
    parts.push(
      `<div class="scroll"><table><thead><tr><th class="num">round</th><th>client</th>${attackers ? '<th>simulated as</th>' : ''}<th>decision and reason</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table></div>${more}`,
    );
  }
  return parts.join('');
}
