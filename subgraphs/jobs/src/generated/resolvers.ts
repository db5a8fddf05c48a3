import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { JobModel } from '../job.ts';
import type { JobsContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date-time in UTC. */
  DateTime: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A conversion. Ephemeral: gone 100 s after its last heartbeat (or after it finished). */
export type Job = {
  __typename?: 'Job';
  converter: Scalars['ID']['output'];
  createdAt: Scalars['DateTime']['output'];
  error?: Maybe<JobError>;
  id: Scalars['ID']['output'];
  /** 0..1 while RUNNING when the converter reports progress; 1 when SUCCEEDED. */
  progress?: Maybe<Scalars['Float']['output']>;
  /** Where the result can be downloaded (GET, plain HTTP) once SUCCEEDED. */
  resultUrl?: Maybe<Scalars['String']['output']>;
  /** Grows with every state change; a client drops any event whose sequence is not above the last it saw. */
  sequence: Scalars['Int']['output'];
  status: JobStatus;
  updatedAt: Scalars['DateTime']['output'];
};

/** The job succeeded (HTTP 200). */
export type JobDone = {
  __typename?: 'JobDone';
  job: Job;
};

export type JobError = {
  __typename?: 'JobError';
  /** An error code from the registry, e.g. CONVERTER_FAILED. */
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** The job failed (HTTP 5xx). */
export type JobFailed = {
  __typename?: 'JobFailed';
  job: Job;
};

/** No such job, or it expired (HTTP 404). */
export type JobNotFound = {
  __typename?: 'JobNotFound';
  id: Scalars['ID']['output'];
};

/** The job is queued or running (HTTP 202). */
export type JobPending = {
  __typename?: 'JobPending';
  job: Job;
};

export type JobPoll = JobDone | JobFailed | JobNotFound | JobPending;

export type JobStatus =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Query = {
  __typename?: 'Query';
  /**
   * The polling fallback for clients that cannot hold a socket: JobDone (HTTP 200), JobPending (202),
   * JobNotFound (404, unknown or expired) or JobFailed (5xx).
   */
  job: JobPoll;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The job's state on every change. The first event is the current state; later events are newer
   * than it (compare `sequence`). Completes after SUCCEEDED or FAILED. Unknown or expired jobs end
   * with the error code JOB_NOT_FOUND.
   */
  jobUpdated: Job;
};


export type SubscriptionJobUpdatedArgs = {
  id: Scalars['ID']['input'];
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

/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = ResolversObject<{
  JobPoll:
    | ( Omit<JobDone, 'job'> & { job: _RefType['Job'] } )
    | ( Omit<JobFailed, 'job'> & { job: _RefType['Job'] } )
    | ( JobNotFound )
    | ( Omit<JobPending, 'job'> & { job: _RefType['Job'] } )
  ;
}>;


/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Job: ResolverTypeWrapper<JobModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JobDone: ResolverTypeWrapper<Omit<JobDone, 'job'> & { job: ResolversTypes['Job'] }>;
  JobError: ResolverTypeWrapper<JobError>;
  JobFailed: ResolverTypeWrapper<Omit<JobFailed, 'job'> & { job: ResolversTypes['Job'] }>;
  JobNotFound: ResolverTypeWrapper<JobNotFound>;
  JobPending: ResolverTypeWrapper<Omit<JobPending, 'job'> & { job: ResolversTypes['Job'] }>;
  JobPoll: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['JobPoll']>;
  JobStatus: JobStatus;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DateTime: Scalars['DateTime']['output'];
  Job: JobModel;
  ID: Scalars['ID']['output'];
  Float: Scalars['Float']['output'];
  String: Scalars['String']['output'];
  Int: Scalars['Int']['output'];
  JobDone: Omit<JobDone, 'job'> & { job: ResolversParentTypes['Job'] };
  JobError: JobError;
  JobFailed: Omit<JobFailed, 'job'> & { job: ResolversParentTypes['Job'] };
  JobNotFound: JobNotFound;
  JobPending: Omit<JobPending, 'job'> & { job: ResolversParentTypes['Job'] };
  JobPoll: ResolversUnionTypes<ResolversParentTypes>['JobPoll'];
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type JobResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job'], FederationReferenceType extends FederationReferenceTypes['Job'] = FederationReferenceTypes['Job']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Job']> | FederationReferenceType, FederationReferenceType, ContextType>;
  converter?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['JobError']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  progress?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  resultUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  sequence?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type JobDoneResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobDone'] = ResolversParentTypes['JobDone']> = ResolversObject<{
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type JobErrorResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobError'] = ResolversParentTypes['JobError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type JobFailedResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobFailed'] = ResolversParentTypes['JobFailed']> = ResolversObject<{
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type JobNotFoundResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobNotFound'] = ResolversParentTypes['JobNotFound']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type JobPendingResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobPending'] = ResolversParentTypes['JobPending']> = ResolversObject<{
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type JobPollResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobPoll'] = ResolversParentTypes['JobPoll']> = ResolversObject<{
  __resolveType: TypeResolveFn<'JobDone' | 'JobFailed' | 'JobNotFound' | 'JobPending', ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  job?: Resolver<ResolversTypes['JobPoll'], ParentType, ContextType, RequireFields<QueryJobArgs, 'id'>>;
}>;

export type SubscriptionResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  jobUpdated?: SubscriptionResolver<ResolversTypes['Job'], "jobUpdated", ParentType, ContextType, RequireFields<SubscriptionJobUpdatedArgs, 'id'>>;
}>;

export type Resolvers<ContextType = JobsContext> = ResolversObject<{
  DateTime?: GraphQLScalarType;
  Job?: JobResolvers<ContextType>;
  JobDone?: JobDoneResolvers<ContextType>;
  JobError?: JobErrorResolvers<ContextType>;
  JobFailed?: JobFailedResolvers<ContextType>;
  JobNotFound?: JobNotFoundResolvers<ContextType>;
  JobPending?: JobPendingResolvers<ContextType>;
  JobPoll?: JobPollResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
}>;

