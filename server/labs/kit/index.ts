// The lab kit: pure reasoning about an AccountSnapshot that any lab's checks compose; CIDR and policy maths are imported from their own modules.
export * from './results';
export * from './choose';
export * from './routing';
export * from './security-groups';
export * from './instances';
export * from './iam';
export * from './flow-logs';
export * from './insights';
export * from './evidence';
