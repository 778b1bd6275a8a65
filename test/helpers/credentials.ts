// The access keys tests give Verilab's own AWS clients (moto accepts any); kept apart so that helpers needing only the
// keys (moto.ts) do not import the app helper, which opens stores.
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
