import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ConversionContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /** A file sent with the GraphQL multipart request spec. */
  Upload: { input: Promise<import('graphql-upload/Upload.mjs').FileUpload>; output: Promise<import('graphql-upload/Upload.mjs').FileUpload>; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A step of a job: a converter and its params (checked against its schema like the first step's). */
export type ConversionStep = {
  converter: Scalars['ID']['input'];
  params?: InputMaybe<Scalars['JSON']['input']>;
};

export type Converter = {
  __typename?: 'Converter';
  /** HEAVY for a converter that takes seconds to minutes per image: each client gets fewer of its jobs at once. */
  cost: ConverterCost;
  description: Scalars['String']['output'];
  /** Whether the converter answered its last health check. */
  healthy: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  /** How many of this converter's jobs one client may have queued or running at once. */
  jobsAtOnce: JobsAtOnce;
  /** The largest result it makes, in pixels, for converters that enlarge. */
  maxOutputPixels?: Maybe<Scalars['Int']['output']>;
  /** The largest image it takes, in pixels (width × height); null when only the upload limits apply. */
  maxPixels?: Maybe<Scalars['Int']['output']>;
  /** What it does with an image over maxPixels: DOWNSCALE it first, or REFUSE it (before any job). */
  oversize?: Maybe<Oversize>;
  /** A JSON Schema for the params of convertImage. */
  params: Scalars['JSON']['output'];
  title: Scalars['String']['output'];
};

export type ConverterCost =
  | 'HEAVY'
  | 'LIGHT';

export type Job = {
  __typename?: 'Job';
  /**
   * What cancels this job (cancelJob) without an account: only in convertImage's answer, to the
   * anonymous client that started it; null everywhere else, and for a signed-in user's job (its
   * owner cancels it signed in).
   */
  cancelToken?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
};

/** A per-client limit of jobs queued or running at once (this installation's settings). */
export type JobsAtOnce = {
  __typename?: 'JobsAtOnce';
  /** For a client that is not signed in, counted by its address. */
  anonymous: Scalars['Int']['output'];
  /** For a signed-in user. */
  signedIn: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Cancels a job while it is QUEUED (it never starts) or RUNNING (the converter stops; nothing is
   * saved): CANCELLED for its subscribers. Its signed-in owner may; an anonymous job takes the
   * `cancelToken` that convertImage answered. JOB_CONFLICT once the job has ended.
   */
  cancelJob: Job;
  /**
   * Starts a conversion and returns its job at once. The file is checked first (at most 5 MB, an
   * accepted image format, not truncated, a bounded pixel count) and so are the converter and its
   * params, of every step; bad input gets an error with a code and never a job. With `andThen`, the
   * job runs the steps one after the other on the server, its progress spans them all, and its
   * result is the last step's.
   */
  convertImage: Job;
};


export type MutationCancelJobArgs = {
  cancelToken?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
};


export type MutationConvertImageArgs = {
  andThen?: InputMaybe<Array<ConversionStep>>;
  converter: Scalars['ID']['input'];
  file: Scalars['Upload']['input'];
  params?: InputMaybe<Scalars['JSON']['input']>;
};

export type Oversize =
  | 'DOWNSCALE'
  | 'REFUSE';

export type Query = {
  __typename?: 'Query';
  /** Every configured converter, with its parameters' JSON Schema and its current health. */
  converters: Array<Converter>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Job: Job;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Job:
    ( { __typename: 'Job' }
    & GraphQLRecursivePick<FederationTypes['Job'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  ConversionStep: ConversionStep;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Converter: ResolverTypeWrapper<Converter>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  ConverterCost: ConverterCost;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Job: ResolverTypeWrapper<Job>;
  JobsAtOnce: ResolverTypeWrapper<JobsAtOnce>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Oversize: Oversize;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Upload: ResolverTypeWrapper<Scalars['Upload']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  ConversionStep: ConversionStep;
  ID: Scalars['ID']['output'];
  Converter: Converter;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Job: Job | FederationReferenceTypes['Job'];
  JobsAtOnce: JobsAtOnce;
  Mutation: Record<PropertyKey, never>;
  Query: Record<PropertyKey, never>;
  Upload: Scalars['Upload']['output'];
}>;

export type ConverterResolvers<ContextType = ConversionContext, ParentType extends ResolversParentTypes['Converter'] = ResolversParentTypes['Converter']> = ResolversObject<{
  cost?: Resolver<ResolversTypes['ConverterCost'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  healthy?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  jobsAtOnce?: Resolver<ResolversTypes['JobsAtOnce'], ParentType, ContextType>;
  maxOutputPixels?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  maxPixels?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  oversize?: Resolver<Maybe<ResolversTypes['Oversize']>, ParentType, ContextType>;
  params?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type JobResolvers<ContextType = ConversionContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job'], FederationReferenceType extends FederationReferenceTypes['Job'] = FederationReferenceTypes['Job']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Job']> | FederationReferenceType, FederationReferenceType, ContextType>;
  cancelToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type JobsAtOnceResolvers<ContextType = ConversionContext, ParentType extends ResolversParentTypes['JobsAtOnce'] = ResolversParentTypes['JobsAtOnce']> = ResolversObject<{
  anonymous?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  signedIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = ConversionContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  cancelJob?: Resolver<ResolversTypes['Job'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'id'>>;
  convertImage?: Resolver<ResolversTypes['Job'], ParentType, ContextType, RequireFields<MutationConvertImageArgs, 'converter' | 'file'>>;
}>;

export type QueryResolvers<ContextType = ConversionContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  converters?: Resolver<Array<ResolversTypes['Converter']>, ParentType, ContextType>;
}>;

export interface UploadScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Upload'], any> {
  name: 'Upload';
}

export type Resolvers<ContextType = ConversionContext> = ResolversObject<{
  Converter?: ConverterResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Job?: JobResolvers<ContextType>;
  JobsAtOnce?: JobsAtOnceResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Upload?: GraphQLScalarType;
}>;

