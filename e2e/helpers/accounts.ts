import { randomUUID } from 'node:crypto';
import { PixelflowClient } from '@pixelflow/testing';

export interface Account {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** A client that sends this account's access token. */
  client: PixelflowClient;
}

export const authFields = 'accessToken refreshToken user { id email }';

type AuthPayload = { accessToken: string; refreshToken: string; user: { id: string; email: string } };

/** Registers a new account through the gateway and returns a client signed in as it. */
export async function register(
  gatewayUrl: string,
  password = 'correct horse battery staple',
): Promise<Account> {
  const email = `user-${randomUUID().slice(0, 8)}@example.test`;
  const anonymous = new PixelflowClient(gatewayUrl);
  const { data, errors } = await anonymous.graphql<{ register: AuthPayload }>(
    `mutation($email: String!, $password: String!) { register(email: $email, password: $password) { ${authFields} } }`,
    { email, password },
  );
  if (!data?.register) throw new Error(`register failed: ${JSON.stringify(errors)}`);
  const { accessToken, refreshToken, user } = data.register;
  return {
    email,
    password,
    userId: user.id,
    accessToken,
    refreshToken,
    client: new PixelflowClient(gatewayUrl, accessToken),
  };
}
