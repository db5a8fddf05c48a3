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

/**
 * A conversion. While it waits or runs it lives as long as its worker heart-beats (gone 100 s after
 * the last heartbeat); once SUCCEEDED or FAILED, it and its result stay until `expiresAt`.
 */
export type Job = {
  __typename?: 'Job';
  /** The first step's converter. */
  converter: Scalars['ID']['output'];
  createdAt: Scalars['DateTime']['output'];
  error?: Maybe<JobError>;
  /**
   * When the finished job and its result are deleted (the retention, 1 hour by default, after it
   * ended); null while it is QUEUED or RUNNING. After it, the job is JobNotFound.
   */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /**
   * What the converter said of the result for the user, when it did something to mention (capped
   * the size, worked on a smaller copy); null otherwise.
   */
  notice?: Maybe<Scalars['String']['output']>;
  /** 0..1 while RUNNING when the converter reports progress; 1 when SUCCEEDED. */
  progress?: Maybe<Scalars['Float']['output']>;
  /** While QUEUED: its place in its converter's line, and when it should start and finish. */
  queue?: Maybe<QueuePlace>;
  /** Where the result can be downloaded (GET, plain HTTP) once SUCCEEDED. */
  resultUrl?: Maybe<Scalars['String']['output']>;
  /** Grows with every state change; a client drops any event whose sequence is not above the last it saw. */
  sequence: Scalars['Int']['output'];
  status: JobStatus;
  /** Every step's converter, in the order they run (one for a single conversion); the result is the last one's. */
  steps: Array<Scalars['ID']['output']>;
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

/** The job failed (HTTP 5xx), or was cancelled (status CANCELLED, error JOB_CANCELLED; HTTP 410). */
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
  /** Cancelled by whoever started it (cancelJob): it never ran, or its result was discarded. */
  | 'CANCELLED'
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

/** Where a queued job stands. Updated every few seconds while it waits. */
export type QueuePlace = {
  __typename?: 'QueuePlace';
  /** When it should be done, likewise. */
  estimatedFinishAt?: Maybe<Scalars['DateTime']['output']>;
  /** When it should start, from the durations measured on this installation; null until there are some. */
  estimatedStartAt?: Maybe<Scalars['DateTime']['output']>;
  /** 1 for the next job of its converter to start, 2 for the one after it, … */
  position: Scalars['Int']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The job's state on every change. The first event is the current state; later events are newer
   * than it (compare `sequence`). Completes after SUCCEEDED, FAILED or CANCELLED. Unknown or expired jobs end
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
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JobDone: ResolverTypeWrapper<Omit<JobDone, 'job'> & { job: ResolversTypes['Job'] }>;
  JobError: ResolverTypeWrapper<JobError>;
  JobFailed: ResolverTypeWrapper<Omit<JobFailed, 'job'> & { job: ResolversTypes['Job'] }>;
  JobNotFound: ResolverTypeWrapper<JobNotFound>;
  JobPending: ResolverTypeWrapper<Omit<JobPending, 'job'> & { job: ResolversTypes['Job'] }>;
  JobPoll: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['JobPoll']>;
  JobStatus: JobStatus;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  QueuePlace: ResolverTypeWrapper<QueuePlace>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DateTime: Scalars['DateTime']['output'];
  Job: JobModel;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  Float: Scalars['Float']['output'];
  Int: Scalars['Int']['output'];
  JobDone: Omit<JobDone, 'job'> & { job: ResolversParentTypes['Job'] };
  JobError: JobError;
  JobFailed: Omit<JobFailed, 'job'> & { job: ResolversParentTypes['Job'] };
  JobNotFound: JobNotFound;
  JobPending: Omit<JobPending, 'job'> & { job: ResolversParentTypes['Job'] };
  JobPoll: ResolversUnionTypes<ResolversParentTypes>['JobPoll'];
  Query: Record<PropertyKey, never>;
  QueuePlace: QueuePlace;
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
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  notice?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  progress?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  queue?: Resolver<Maybe<ResolversTypes['QueuePlace']>, ParentType, ContextType>;
  resultUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  sequence?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  steps?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
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

export type QueuePlaceResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['QueuePlace'] = ResolversParentTypes['QueuePlace']> = ResolversObject<{
  estimatedFinishAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  estimatedStartAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  position?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
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
  QueuePlace?: QueuePlaceResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
}>;

