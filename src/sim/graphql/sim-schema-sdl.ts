/**
 * The part of GitHub's GraphQL schema the simulator executes: the same type,
 * field and argument names and types as GitHub's published schema
 * (`@octokit/graphql-schema`), a subset of them. A test checks that every
 * field here is GitHub's, typed the same. Queries are validated against
 * GitHub's whole schema first; a valid query that needs a field missing here is
 * recorded as `unimplemented`.
 */
export const SIM_GRAPHQL_SDL = /* GraphQL */ `
scalar GitObjectID

type Query {
  repository(followRenames: Boolean = true, name: String!, owner: String!): Repository
}

type Repository {
  name: String!
  nameWithOwner: String!
  isPrivate: Boolean!
  object(expression: String, oid: GitObjectID): GitObject
  pullRequest(number: Int!): PullRequest
}

interface GitObject {
  oid: GitObjectID!
  abbreviatedOid: String!
}

type Blob implements GitObject {
  oid: GitObjectID!
  abbreviatedOid: String!
  byteSize: Int!
  isBinary: Boolean
  isTruncated: Boolean!
  text: String
}

type Tree implements GitObject {
  oid: GitObjectID!
  abbreviatedOid: String!
  entries: [TreeEntry!]
}

type TreeEntry {
  name: String!
  path: String
  oid: GitObjectID!
  type: String!
  mode: Int!
  size: Int!
  extension: String
  object: GitObject
}

type Commit implements GitObject {
  oid: GitObjectID!
  abbreviatedOid: String!
  message: String!
  tree: Tree!
}

enum PullRequestState {
  CLOSED
  MERGED
  OPEN
}

enum PatchStatus {
  ADDED
  CHANGED
  COPIED
  DELETED
  MODIFIED
  RENAMED
}

type PullRequest {
  number: Int!
  title: String!
  state: PullRequestState!
  isDraft: Boolean!
  merged: Boolean!
  headRefName: String!
  headRefOid: GitObjectID!
  baseRefName: String!
  baseRefOid: GitObjectID!
  isCrossRepository: Boolean!
  changedFiles: Int!
  files(after: String, before: String, first: Int, last: Int): PullRequestChangedFileConnection
}

type PullRequestChangedFileConnection {
  nodes: [PullRequestChangedFile]
  edges: [PullRequestChangedFileEdge]
  pageInfo: PageInfo!
  totalCount: Int!
}

type PullRequestChangedFileEdge {
  cursor: String!
  node: PullRequestChangedFile
}

type PullRequestChangedFile {
  path: String!
  additions: Int!
  deletions: Int!
  changeType: PatchStatus!
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}
`;
