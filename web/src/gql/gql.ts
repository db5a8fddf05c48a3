/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Converters {\n    converters {\n      id\n      title\n      description\n      params\n      healthy\n      maxPixels\n      maxOutputPixels\n      oversize\n      cost\n      jobsAtOnce {\n        anonymous\n        signedIn\n      }\n    }\n  }\n": typeof types.ConvertersDocument,
    "\n  mutation CancelJob($id: ID!, $cancelToken: String) {\n    cancelJob(id: $id, cancelToken: $cancelToken) {\n      id\n      status\n      sequence\n    }\n  }\n": typeof types.CancelJobDocument,
    "\n  fragment JobSnapshotFields on Job {\n    id\n    status\n    progress\n    sequence\n    resultUrl\n    error {\n      code\n      message\n    }\n    savedImage {\n      id\n      url\n    }\n    expiresAt\n    queue {\n      position\n      estimatedStartAt\n      estimatedFinishAt\n    }\n    notice\n  }\n": typeof types.JobSnapshotFieldsFragmentDoc,
    "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      ...JobSnapshotFields\n    }\n  }\n": typeof types.JobUpdatedDocument,
    "\n  query JobPoll($id: ID!) {\n    job(id: $id) {\n      __typename\n      ... on JobDone {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobPending {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobFailed {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobNotFound {\n        id\n      }\n    }\n  }\n": typeof types.JobPollDocument,
    "\n  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {\n    convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {\n      id\n      status\n      sequence\n      cancelToken\n    }\n  }\n": typeof types.ConvertImageDocument,
    "\n  query GalleryImages($first: Int!, $after: String) {\n    me {\n      id\n      images(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            kind\n            converter\n            url\n            thumbnailUrl\n            width\n            height\n            format\n            bytes\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.GalleryImagesDocument,
    "\n  mutation DeleteImage($id: ID!) {\n    deleteImage(id: $id)\n  }\n": typeof types.DeleteImageDocument,
};
const documents: Documents = {
    "\n  query Converters {\n    converters {\n      id\n      title\n      description\n      params\n      healthy\n      maxPixels\n      maxOutputPixels\n      oversize\n      cost\n      jobsAtOnce {\n        anonymous\n        signedIn\n      }\n    }\n  }\n": types.ConvertersDocument,
    "\n  mutation CancelJob($id: ID!, $cancelToken: String) {\n    cancelJob(id: $id, cancelToken: $cancelToken) {\n      id\n      status\n      sequence\n    }\n  }\n": types.CancelJobDocument,
    "\n  fragment JobSnapshotFields on Job {\n    id\n    status\n    progress\n    sequence\n    resultUrl\n    error {\n      code\n      message\n    }\n    savedImage {\n      id\n      url\n    }\n    expiresAt\n    queue {\n      position\n      estimatedStartAt\n      estimatedFinishAt\n    }\n    notice\n  }\n": types.JobSnapshotFieldsFragmentDoc,
    "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      ...JobSnapshotFields\n    }\n  }\n": types.JobUpdatedDocument,
    "\n  query JobPoll($id: ID!) {\n    job(id: $id) {\n      __typename\n      ... on JobDone {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobPending {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobFailed {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobNotFound {\n        id\n      }\n    }\n  }\n": types.JobPollDocument,
    "\n  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {\n    convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {\n      id\n      status\n      sequence\n      cancelToken\n    }\n  }\n": types.ConvertImageDocument,
    "\n  query GalleryImages($first: Int!, $after: String) {\n    me {\n      id\n      images(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            kind\n            converter\n            url\n            thumbnailUrl\n            width\n            height\n            format\n            bytes\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.GalleryImagesDocument,
    "\n  mutation DeleteImage($id: ID!) {\n    deleteImage(id: $id)\n  }\n": types.DeleteImageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Converters {\n    converters {\n      id\n      title\n      description\n      params\n      healthy\n      maxPixels\n      maxOutputPixels\n      oversize\n      cost\n      jobsAtOnce {\n        anonymous\n        signedIn\n      }\n    }\n  }\n"): (typeof documents)["\n  query Converters {\n    converters {\n      id\n      title\n      description\n      params\n      healthy\n      maxPixels\n      maxOutputPixels\n      oversize\n      cost\n      jobsAtOnce {\n        anonymous\n        signedIn\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelJob($id: ID!, $cancelToken: String) {\n    cancelJob(id: $id, cancelToken: $cancelToken) {\n      id\n      status\n      sequence\n    }\n  }\n"): (typeof documents)["\n  mutation CancelJob($id: ID!, $cancelToken: String) {\n    cancelJob(id: $id, cancelToken: $cancelToken) {\n      id\n      status\n      sequence\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobSnapshotFields on Job {\n    id\n    status\n    progress\n    sequence\n    resultUrl\n    error {\n      code\n      message\n    }\n    savedImage {\n      id\n      url\n    }\n    expiresAt\n    queue {\n      position\n      estimatedStartAt\n      estimatedFinishAt\n    }\n    notice\n  }\n"): (typeof documents)["\n  fragment JobSnapshotFields on Job {\n    id\n    status\n    progress\n    sequence\n    resultUrl\n    error {\n      code\n      message\n    }\n    savedImage {\n      id\n      url\n    }\n    expiresAt\n    queue {\n      position\n      estimatedStartAt\n      estimatedFinishAt\n    }\n    notice\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      ...JobSnapshotFields\n    }\n  }\n"): (typeof documents)["\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      ...JobSnapshotFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobPoll($id: ID!) {\n    job(id: $id) {\n      __typename\n      ... on JobDone {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobPending {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobFailed {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobNotFound {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query JobPoll($id: ID!) {\n    job(id: $id) {\n      __typename\n      ... on JobDone {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobPending {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobFailed {\n        job {\n          ...JobSnapshotFields\n        }\n      }\n      ... on JobNotFound {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {\n    convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {\n      id\n      status\n      sequence\n      cancelToken\n    }\n  }\n"): (typeof documents)["\n  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {\n    convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {\n      id\n      status\n      sequence\n      cancelToken\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GalleryImages($first: Int!, $after: String) {\n    me {\n      id\n      images(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            kind\n            converter\n            url\n            thumbnailUrl\n            width\n            height\n            format\n            bytes\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query GalleryImages($first: Int!, $after: String) {\n    me {\n      id\n      images(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            kind\n            converter\n            url\n            thumbnailUrl\n            width\n            height\n            format\n            bytes\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteImage($id: ID!) {\n    deleteImage(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteImage($id: ID!) {\n    deleteImage(id: $id)\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;