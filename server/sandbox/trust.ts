// Evaluates a role's trust policy for a cross-account AssumeRole with an ExternalId: AWS does this itself, moto does not, so the sandbox must.
import { actionMatches, ASSUME_ROLE, decodePolicyDocument, wildcardMatch } from '../labs/kit/policy';

type Json = Record<string, unknown>;

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function namesAccount(principal: unknown, accountId: string): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  return list(principal.AWS).some((p) => p === '*' || p === accountId || p === `arn:aws:iam::${accountId}:root`);
}

/** Only the ExternalId conditions the verifier role uses are understood; any other condition does not hold, so an unknown one never lets a caller in. */
function conditionHolds(condition: unknown, externalId: string): boolean {
  if (condition === undefined) return true;
  if (!isRecord(condition)) return false;
  return Object.entries(condition).every(([operator, tests]) => {
    if (!isRecord(tests)) return false;
    return Object.entries(tests).every(([key, values]) => {
      if (key.toLowerCase() !== 'sts:externalid') return false;
      const wanted = list(values).map(String);
      if (operator === 'StringEquals') return wanted.includes(externalId);
      if (operator === 'StringLike') return wanted.some((pattern) => wildcardMatch(pattern, externalId));
      return false;
    });
  });
}

/** True when the trust policy lets `accountId` (its root, so any of its principals) assume the role with this ExternalId. */
export function trustAdmits(trustPolicy: string | unknown, caller: { accountId: string; externalId: string }): boolean {
  let document: unknown;
  try {
    document = typeof trustPolicy === 'string' ? decodePolicyDocument(trustPolicy) : trustPolicy;
  } catch {
    return false;
  }
  if (!isRecord(document)) return false;
  const statements = list(document.Statement).filter(isRecord);
  const applies = (s: Json) => list(s.Action).some((a) => typeof a === 'string' && actionMatches(a, ASSUME_ROLE)) && namesAccount(s.Principal, caller.accountId);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s) && conditionHolds(s.Condition, caller.externalId))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s) && conditionHolds(s.Condition, caller.externalId));
}
