import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake runs one query, keyed by its SQL text ('*' for any other SQL). */
export interface FakeQuery {
  /** States GetQueryExecution reports, one per call; the last one sticks. */
  states: string[];
  reason?: string;
  athenaError?: { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage: string };
  scannedBytes?: number;
  statementType?: string;
  columns?: { Name: string; Type: string }[];
  /** Result pages: each an array of rows of text values (undefined = NULL); the header row is added in front. */
  pages?: (string | undefined)[][][];
}

/** One request the fake received. */
export interface FakeCall {
  target: string;
  body: Record<string, unknown>;
  /** The region the request was signed for (from the SigV4 credential scope). */
  region: string | undefined;
}

/** A loopback server speaking Athena's JSON 1.1 protocol (X-Amz-Target: AmazonAthena.*) for the scripted queries. */
export async function startFakeAthena(queries: Record<string, FakeQuery>, workgroupCutoff?: number) {
  const calls: FakeCall[] = [];
  const executions = new Map<string, { sql: string; polls: number; workgroup: string }>();
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      calls.push({ target, body, region });
      const reply = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const execution = executions.get(String(body.QueryExecutionId));
      const scripted = (sql: string): FakeQuery | undefined => queries[sql] ?? queries['*'];
      const query = execution ? scripted(execution.sql) : undefined;
      switch (target) {
        case 'StartQueryExecution': {
          const sql = String(body.QueryString);
          if (body.WorkGroup === 'missing') return reply(400, { __type: 'InvalidRequestException', Message: 'WorkGroup missing is not found.' });
          if (!scripted(sql)) return reply(400, { __type: 'InvalidRequestException', Message: `line 1:1: mismatched input '${sql}'` });
          const id = `q-${++next}`;
          executions.set(id, { sql, polls: 0, workgroup: String(body.WorkGroup ?? 'primary') });
          return reply(200, { QueryExecutionId: id });
        }
        case 'GetQueryExecution': {
          if (!execution || !query) return reply(400, { __type: 'InvalidRequestException', Message: 'QueryExecution not found' });
          const state = query.states[Math.min(execution.polls, query.states.length - 1)] ?? 'SUCCEEDED';
          execution.polls += 1;
          return reply(200, {
            QueryExecution: {
              QueryExecutionId: body.QueryExecutionId,
              Query: execution.sql,
              StatementType: query.statementType ?? 'DML',
              WorkGroup: execution.workgroup,
              ResultConfiguration: { OutputLocation: `s3://results/${String(body.QueryExecutionId)}.csv` },
              Status: { State: state, StateChangeReason: query.reason, AthenaError: state === 'FAILED' ? query.athenaError : undefined, SubmissionDateTime: 1_700_000_000 },
              Statistics: { DataScannedInBytes: query.scannedBytes ?? 0, EngineExecutionTimeInMillis: 1200, TotalExecutionTimeInMillis: 1500, QueryQueueTimeInMillis: 100 },
            },
          });
        }
        case 'GetQueryResults': {
          if (!execution || !query) return reply(400, { __type: 'InvalidRequestException', Message: 'QueryExecution not found' });
          const pages = query.pages ?? [[]];
          const index = body.NextToken === undefined ? 0 : Number(String(body.NextToken).replace('page-', ''));
          const columns = query.columns ?? [];
          const header = index === 0 && (query.statementType ?? 'DML') === 'DML' ? [{ Data: columns.map((c) => ({ VarCharValue: c.Name })) }] : [];
          const rows = (pages[index] ?? []).map((values) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) }));
          return reply(200, {
            ResultSet: { Rows: [...header, ...rows], ResultSetMetadata: { ColumnInfo: columns.map((c) => ({ Name: c.Name, Label: c.Name, Type: c.Type, CatalogName: 'hive', SchemaName: '', TableName: '' })) } },
            NextToken: index + 1 < pages.length ? `page-${index + 1}` : undefined,
            UpdateCount: 0,
          });
        }
        case 'GetWorkGroup':
          return reply(200, {
            WorkGroup: { Name: body.WorkGroup, State: 'ENABLED', Configuration: workgroupCutoff === undefined ? {} : { BytesScannedCutoffPerQuery: workgroupCutoff } },
          });
        case 'StopQueryExecution':
          return reply(200, {});
        default:
          return reply(400, { __type: 'UnknownOperationException', Message: target });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
