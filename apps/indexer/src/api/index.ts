// The indexer's HTTP API: providers (filtered and sorted by price, region, resources, stake and both scores),
// a provider's history and reviews, tasks with their timelines, storage deals with their proof history, and
// market statistics over time. Every route is described in the OpenAPI document at /openapi.json; a bad query
// parameter gets a 400 that names it and says what is accepted.
import { errorCodes } from '@agora/errors';
import { bodyCap, bodyLimits } from '@agora/service';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { db } from 'ponder:api';
import schema from 'ponder:schema';
import { and, asc, desc, eq, gte, graphql, lte, sql } from 'ponder';
import {
  dealDetailSchema,
  dealSchema,
  errorSchema,
  providerSchema,
  reviewSchema,
  statsPointSchema,
  summarySchema,
  taskDetailSchema,
  taskSchema,
  toDeal,
  toDealStep,
  toProvider,
  toReview,
  toTask,
  toTaskStep,
} from './views.js';

const { deal, dealStep, marketMinute, provider, review, task, taskStep } = schema;

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an address is 0x followed by 40 hex digits')
  .transform((value) => value.toLowerCase() as `0x${string}`);
const wholeNumber = (what: string) => z.string().regex(/^\d+$/, `${what} is a whole number`).transform(BigInt);
const unixSeconds = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `${what} is a time in Unix seconds (a whole number, like ${Math.floor(Date.now() / 1000)})`)
    .transform(Number);
const page = {
  limit: z.coerce.number().int().min(1, 'limit is at least 1').max(500, 'limit is at most 500').default(50),
  offset: z.coerce.number().int().min(0, 'offset is at least 0').default(0),
};

const app = new OpenAPIHono({
  defaultHook: (result, c) => {
    if (!result.success) {
      const message = result.error.issues
        .map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`)
        .join('; ');
      return c.json({ error: { code: 'AGORA_INVALID_ARGUMENT', message } }, 400);
    }
    return undefined;
  },
});

// Bodies are small here: the API only reads.
app.use('*', bodyCap(bodyLimits.json));
const notFound = (what: string) => ({ error: { code: 'AGORA_NOT_FOUND', message: `${what} is not indexed.` } });
const badRequest = { content: { 'application/json': { schema: errorSchema } }, description: 'A parameter is invalid' };
const missing = { content: { 'application/json': { schema: errorSchema } }, description: 'Not indexed' };

// ---------------------------------------------------------------- providers

const providerSorts = {
  price: provider.pricePerFuel,
  storagePrice: provider.storagePricePerGiBPeriod,
  stake: provider.bonded,
  reviewScore: provider.reviewScore,
  objectiveScore: provider.objectiveScore,
  registered: provider.registeredAt,
} as const;

const providersQuery = z.object({
  region: z.coerce.number().int().min(0).optional().openapi({ description: 'region code' }),
  minCpuCores: z.coerce.number().int().min(0).optional(),
  minMemoryMiB: z.coerce.number().int().min(0).optional(),
  minGpus: z.coerce.number().int().min(0).optional(),
  minStorageGiB: z.coerce.number().int().min(0).optional(),
  feature: z.enum(['tee', 'storage']).optional(),
  minStake: wholeNumber('minStake').optional().openapi({ description: 'bonded stake, base units' }),
  maxPrice: wholeNumber('maxPrice').optional().openapi({ description: 'price per fuel unit of its latest task' }),
  status: z.enum(['active', 'left']).optional(),
  sort: z
    .enum(Object.keys(providerSorts) as [keyof typeof providerSorts, ...(keyof typeof providerSorts)[]])
    .default('objectiveScore'),
  order: z.enum(['asc', 'desc']).default('desc'),
  ...page,
});

app.openapi(
  createRoute({
    method: 'get',
    path: '/providers',
    summary: 'Providers, filtered and sorted',
    request: { query: providersQuery },
    responses: {
      200: {
        content: { 'application/json': { schema: z.object({ providers: z.array(providerSchema) }) } },
        description: 'Matching providers; those without a value for the sort key come last',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const conditions = [
      query.region === undefined ? undefined : eq(provider.region, query.region),
      query.minCpuCores === undefined ? undefined : gte(provider.cpuCores, query.minCpuCores),
      query.minMemoryMiB === undefined ? undefined : gte(provider.memoryMiB, query.minMemoryMiB),
      query.minGpus === undefined ? undefined : gte(provider.gpuCount, query.minGpus),
      query.minStorageGiB === undefined ? undefined : gte(provider.storageGiB, query.minStorageGiB),
      query.feature === undefined ? undefined : sql`(${provider.features} & ${query.feature === 'tee' ? 1 : 2}) <> 0`,
      query.minStake === undefined ? undefined : gte(provider.bonded, query.minStake),
      query.maxPrice === undefined ? undefined : lte(provider.pricePerFuel, query.maxPrice),
      query.status === undefined ? undefined : eq(provider.status, query.status),
    ].filter((condition) => condition !== undefined);
    const column = providerSorts[query.sort];
    const rows = await db
      .select()
      .from(provider)
      .where(and(...conditions))
      .orderBy(
        query.order === 'asc' ? sql`${column} asc nulls last` : sql`${column} desc nulls last`,
        asc(provider.address),
      )
      .limit(query.limit)
      .offset(query.offset);
    return c.json({ providers: rows.map(toProvider) }, 200);
  },
);

const addressParams = z.object({ address: address.openapi({ param: { name: 'address', in: 'path' } }) });

app.openapi(
  createRoute({
    method: 'get',
    path: '/providers/{address}',
    summary: 'One provider: resources, stake, prices, and its review and objective scores side by side',
    request: { params: addressParams },
    responses: {
      200: { content: { 'application/json': { schema: providerSchema } }, description: 'The provider' },
      400: badRequest,
      404: missing,
    },
  }),
  async (c) => {
    const { address: who } = c.req.valid('param');
    const [row] = await db.select().from(provider).where(eq(provider.address, who));
    if (!row) return c.json(notFound(`Provider ${who}`), 404);
    return c.json(toProvider(row), 200);
  },
);

app.openapi(
  createRoute({
    method: 'get',
    path: '/providers/{address}/history',
    summary: "A provider's tasks and storage events, newest first",
    request: { params: addressParams, query: z.object(page) },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({ tasks: z.array(taskSchema), storage: z.array(dealDetailSchema.shape.steps.element) }),
          },
        },
        description: 'The history',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const { address: who } = c.req.valid('param');
    const { limit, offset } = c.req.valid('query');
    const [tasks, steps] = await Promise.all([
      db
        .select()
        .from(task)
        .where(sql`${who} = any(${task.providers})`)
        .orderBy(desc(task.matchedBlock))
        .limit(limit)
        .offset(offset),
      db
        .select()
        .from(dealStep)
        .where(eq(dealStep.provider, who))
        .orderBy(desc(dealStep.blockNumber), desc(dealStep.logIndex))
        .limit(limit)
        .offset(offset),
    ]);
    return c.json({ tasks: tasks.map(toTask), storage: steps.map(toDealStep) }, 200);
  },
);

app.openapi(
  createRoute({
    method: 'get',
    path: '/providers/{address}/reviews',
    summary: 'Reviews of a provider and its responses, newest first',
    request: { params: addressParams, query: z.object(page) },
    responses: {
      200: {
        content: { 'application/json': { schema: z.object({ reviews: z.array(reviewSchema) }) } },
        description: 'The reviews',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const { address: who } = c.req.valid('param');
    const { limit, offset } = c.req.valid('query');
    const rows = await db
      .select()
      .from(review)
      .where(eq(review.provider, who))
      .orderBy(desc(review.createdAt), asc(review.reviewId))
      .limit(limit)
      .offset(offset);
    return c.json({ reviews: rows.map(toReview) }, 200);
  },
);

// ---------------------------------------------------------------- tasks

app.openapi(
  createRoute({
    method: 'get',
    path: '/tasks',
    summary: 'Tasks, newest first',
    request: {
      query: z.object({
        client: address.optional(),
        provider: address.optional(),
        status: z.enum(['matched', 'finalized', 'failed']).optional(),
        ...page,
      }),
    },
    responses: {
      200: {
        content: { 'application/json': { schema: z.object({ tasks: z.array(taskSchema) }) } },
        description: 'Matching tasks',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const rows = await db
      .select()
      .from(task)
      .where(
        and(
          query.client === undefined ? undefined : eq(task.client, query.client),
          query.provider === undefined ? undefined : sql`${query.provider} = any(${task.providers})`,
          query.status === undefined ? undefined : eq(task.status, query.status),
        ),
      )
      .orderBy(desc(task.matchedBlock), asc(task.taskId))
      .limit(query.limit)
      .offset(query.offset);
    return c.json({ tasks: rows.map(toTask) }, 200);
  },
);

app.openapi(
  createRoute({
    method: 'get',
    path: '/tasks/{taskId}',
    summary: 'A task and its timeline: match, commits, reveals, settlement',
    request: {
      params: z.object({
        taskId: z
          .string()
          .regex(/^0x[0-9a-fA-F]{64}$/, 'a task id is 0x followed by 64 hex digits')
          .transform((value) => value.toLowerCase() as `0x${string}`)
          .openapi({ param: { name: 'taskId', in: 'path' } }),
      }),
    },
    responses: {
      200: { content: { 'application/json': { schema: taskDetailSchema } }, description: 'The task' },
      400: badRequest,
      404: missing,
    },
  }),
  async (c) => {
    const { taskId } = c.req.valid('param');
    const [row] = await db.select().from(task).where(eq(task.taskId, taskId));
    if (!row) return c.json(notFound(`Task ${taskId}`), 404);
    const steps = await db
      .select()
      .from(taskStep)
      .where(eq(taskStep.taskId, taskId))
      .orderBy(asc(taskStep.blockNumber), asc(taskStep.logIndex));
    return c.json({ ...toTask(row), timeline: steps.map(toTaskStep) }, 200);
  },
);

// ---------------------------------------------------------------- deals

app.openapi(
  createRoute({
    method: 'get',
    path: '/deals',
    summary: 'Storage deals, newest first',
    request: {
      query: z.object({
        client: address.optional(),
        provider: address.optional(),
        status: z.enum(['active', 'finished']).optional(),
        ...page,
      }),
    },
    responses: {
      200: {
        content: { 'application/json': { schema: z.object({ deals: z.array(dealSchema) }) } },
        description: 'Matching deals',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const rows = await db
      .select()
      .from(deal)
      .where(
        and(
          query.client === undefined ? undefined : eq(deal.client, query.client),
          query.provider === undefined ? undefined : sql`${query.provider} = any(${deal.providers})`,
          query.status === undefined ? undefined : eq(deal.status, query.status),
        ),
      )
      .orderBy(desc(deal.dealId))
      .limit(query.limit)
      .offset(query.offset);
    return c.json({ deals: rows.map(toDeal) }, 200);
  },
);

app.openapi(
  createRoute({
    method: 'get',
    path: '/deals/{dealId}',
    summary: 'A storage deal and its proof history',
    request: {
      params: z.object({ dealId: wholeNumber('dealId').openapi({ param: { name: 'dealId', in: 'path' } }) }),
    },
    responses: {
      200: { content: { 'application/json': { schema: dealDetailSchema } }, description: 'The deal' },
      400: badRequest,
      404: missing,
    },
  }),
  async (c) => {
    const { dealId } = c.req.valid('param');
    const [row] = await db.select().from(deal).where(eq(deal.dealId, dealId));
    if (!row) return c.json(notFound(`Deal ${dealId}`), 404);
    const steps = await db
      .select()
      .from(dealStep)
      .where(eq(dealStep.dealId, dealId))
      .orderBy(asc(dealStep.blockNumber), asc(dealStep.logIndex));
    return c.json({ ...toDeal(row), steps: steps.map(toDealStep) }, 200);
  },
);

// ---------------------------------------------------------------- statistics

const intervals = { minute: 60, hour: 3600, day: 86_400 } as const;

app.openapi(
  createRoute({
    method: 'get',
    path: '/stats',
    summary: 'Market activity over time, summed per minute, hour or day',
    request: {
      query: z
        .object({
          interval: z.enum(['minute', 'hour', 'day']).default('hour'),
          from: unixSeconds('from').optional().openapi({ description: 'unix seconds, inclusive' }),
          to: unixSeconds('to').optional().openapi({ description: 'unix seconds, exclusive' }),
        })
        .refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
          message: 'from must be before to',
          path: ['from'],
        }),
    },
    responses: {
      200: {
        content: {
          'application/json': { schema: z.object({ interval: z.string(), points: z.array(statsPointSchema) }) },
        },
        description: 'One point per interval with activity, oldest first',
      },
      400: badRequest,
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const seconds = intervals[query.interval];
    // The interval is one of three constants, inlined so that SELECT and GROUP BY hold the same expression.
    const bucket = sql<string>`(${marketMinute.minute} - mod(${marketMinute.minute}, ${sql.raw(String(seconds))}))`;
    const rows = await db
      .select({
        start: bucket,
        tasksMatched: sql<string>`sum(${marketMinute.tasksMatched})`,
        tasksFinalized: sql<string>`sum(${marketMinute.tasksFinalized})`,
        tasksFailed: sql<string>`sum(${marketMinute.tasksFailed})`,
        computeVolume: sql<string>`sum(${marketMinute.computeVolume})`,
        fuelUsed: sql<string>`sum(${marketMinute.fuelUsed})`,
        priceSum: sql<string>`sum(${marketMinute.priceSum})`,
        dealsOpened: sql<string>`sum(${marketMinute.dealsOpened})`,
        storageBytes: sql<string>`sum(${marketMinute.storageBytes})`,
        storageProofs: sql<string>`sum(${marketMinute.storageProofs})`,
        storageMisses: sql<string>`sum(${marketMinute.storageMisses})`,
        reviews: sql<string>`sum(${marketMinute.reviews})`,
      })
      .from(marketMinute)
      .where(
        and(
          query.from === undefined ? undefined : gte(marketMinute.minute, BigInt(query.from)),
          query.to === undefined ? undefined : sql`${marketMinute.minute} < ${BigInt(query.to)}`,
        ),
      )
      .groupBy(bucket)
      .orderBy(bucket);
    const points = rows.map((row) => {
      const matched = Number(row.tasksMatched);
      return {
        start: Number(row.start),
        tasksMatched: matched,
        tasksFinalized: Number(row.tasksFinalized),
        tasksFailed: Number(row.tasksFailed),
        computeVolume: String(row.computeVolume),
        fuelUsed: String(row.fuelUsed),
        meanPricePerFuel: matched === 0 ? null : Number(row.priceSum) / matched,
        dealsOpened: Number(row.dealsOpened),
        storageBytes: String(row.storageBytes),
        storageProofs: Number(row.storageProofs),
        storageMisses: Number(row.storageMisses),
        reviews: Number(row.reviews),
      };
    });
    return c.json({ interval: query.interval, points }, 200);
  },
);

app.openapi(
  createRoute({
    method: 'get',
    path: '/stats/summary',
    summary: 'Totals: providers, tasks, volume, deals, proofs, reviews',
    responses: { 200: { content: { 'application/json': { schema: summarySchema } }, description: 'Totals' } },
  }),
  async (c) => {
    const [[providers], [tasks], [deals], [reviews]] = await Promise.all([
      db
        .select({
          total: sql<string>`count(*)`,
          active: sql<string>`count(*) filter (where ${provider.status} = 'active')`,
          bonded: sql<string>`coalesce(sum(${provider.bonded}), 0)`,
        })
        .from(provider),
      db
        .select({
          total: sql<string>`count(*)`,
          finalized: sql<string>`count(*) filter (where ${task.status} = 'finalized')`,
          failed: sql<string>`count(*) filter (where ${task.status} = 'failed')`,
          volume: sql<string>`coalesce(sum(${task.charged}), 0)`,
        })
        .from(task),
      db
        .select({
          total: sql<string>`count(*)`,
          active: sql<string>`count(*) filter (where ${deal.status} = 'active')`,
          proofs: sql<string>`coalesce(sum(${deal.proofs}), 0)`,
          misses: sql<string>`coalesce(sum(${deal.misses}), 0)`,
          bytes: sql<string>`coalesce(sum(${deal.size} * ${deal.replicas}) filter (where ${deal.status} = 'active'), 0)`,
        })
        .from(deal),
      db.select({ total: sql<string>`count(*)` }).from(review),
    ]);
    return c.json(
      {
        providers: {
          total: Number(providers?.total ?? 0),
          active: Number(providers?.active ?? 0),
          bonded: String(providers?.bonded ?? 0),
        },
        tasks: {
          total: Number(tasks?.total ?? 0),
          finalized: Number(tasks?.finalized ?? 0),
          failed: Number(tasks?.failed ?? 0),
          volume: String(tasks?.volume ?? 0),
        },
        deals: {
          total: Number(deals?.total ?? 0),
          active: Number(deals?.active ?? 0),
          proofs: Number(deals?.proofs ?? 0),
          misses: Number(deals?.misses ?? 0),
          storedBytes: String(deals?.bytes ?? 0),
        },
        reviews: Number(reviews?.total ?? 0),
      },
      200,
    );
  },
);

app.doc31('/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'Agora indexer API',
    version: '0.1.0',
    description:
      'Providers, tasks, storage deals, reviews and market statistics of an Agora network, from its contract events. Amounts are decimal strings in base units.',
  },
});

app.use('/graphql', graphql({ db, schema }));

// Last, after every route (Ponder mounts this app after its own /health, /ready, /status and /metrics): a route
// nobody serves gets a JSON error, as every route's errors are.
app.all('*', (c) =>
  c.json(
    {
      error: {
        code: errorCodes.NOT_FOUND,
        message: `No route ${c.req.method} ${c.req.path}; the API is described at /openapi.json.`,
      },
    },
    404,
  ),
);

export default app;
