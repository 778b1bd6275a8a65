// Which actions each sandbox service has, read from the AWS SDK's own command classes, so the proxy refuses an unknown
// action as AWS does (400) instead of passing on moto's 500 page.
import * as cloudformation from '@aws-sdk/client-cloudformation';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as ec2 from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';

const CLIENTS: Record<string, Record<string, unknown>> = { cloudformation, ec2, iam, logs, sts };
const known = new Map<string, Set<string>>();

/** An action name as AWS spells them: letters and digits, starting with a capital. */
const ACTION_SHAPE = /^[A-Z][A-Za-z0-9]{1,127}$/;

/** The service's actions, or undefined when Verilab has no SDK client for it (its actions are then checked by shape only). */
export function actionsOf(service: string): ReadonlySet<string> | undefined {
  const client = CLIENTS[service];
  if (!client) return undefined;
  let actions = known.get(service);
  if (!actions) {
    actions = new Set(Object.keys(client).filter((name) => name.endsWith('Command') && typeof client[name] === 'function').map((name) => name.slice(0, -'Command'.length)));
    known.set(service, actions);
  }
  return actions;
}

export type ActionVerdict = { ok: true } | { ok: false; problem: 'missing' | 'unknown'; action?: string };

/** Judges the actions of a call: every Action of a query-protocol call (a second one could be smuggled in), or the X-Amz-Target's. */
export function judgeActions(service: string, actions: readonly string[]): ActionVerdict {
  if (actions.length === 0) return { ok: false, problem: 'missing' };
  const list = actionsOf(service);
  for (const action of actions) {
    if (!ACTION_SHAPE.test(action) || (list && !list.has(action))) return { ok: false, problem: 'unknown', action };
  }
  return { ok: true };
}
