export { AuthClient, type Caller } from './client.ts';
export { authRoutes, type Credentials, credentialsSchema, type SignIn, signInSchema } from './routes.ts';
