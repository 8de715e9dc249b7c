// Reviews from the command line: the text goes to the content gateway (anyone can fetch it by its CID), the
// rating and the CID go on chain. A provider's page puts what clients say next to what the protocol saw.
import { CID, fetchContent } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type AgoraClient,
  type ProviderReview,
  objectiveScore,
  readDeal,
  readProviderActivity,
  readProviderReviews,
  reviewScore,
  reviewsAbi,
} from '@agora/sdk';
import { type Address, type Hex, hexToBytes, isAddress, parseEventLogs } from 'viem';
import { upload } from './client-tasks.js';
import type { NetworkFile } from './network-file.js';

export type ReviewRequest = {
  /** A task id (0x + 64 hex digits) or a storage deal id (a whole number). */
  subject: string;
  rating: number;
  text: string;
  /** The reviewed provider: its address, or its index in the task or deal (default 0). */
  provider?: string;
};

const taskIdPattern = /^0x[0-9a-fA-F]{64}$/;

function providerIndexOf(provider: string | undefined, providers: readonly Address[], what: string): number {
  if (provider === undefined) return 0;
  if (isAddress(provider)) {
    const index = providers.findIndex((address) => address.toLowerCase() === provider.toLowerCase());
    if (index < 0) {
      throw new AgoraError(
        errorCodes.INVALID_ARGUMENT,
        `${provider} is not a provider of ${what}; its providers are ${providers.join(', ')}.`,
      );
    }
    return index;
  }
  const index = Number(provider);
  if (!Number.isInteger(index) || index < 0 || index >= providers.length) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `--provider is an address or an index from 0 to ${providers.length - 1}; got "${provider}".`,
    );
  }
  return index;
}

/** Uploads the review's text and records the review on chain. */
export async function reviewSubjectOf(network: NetworkFile, agora: AgoraClient, request: ReviewRequest) {
  const isTask = taskIdPattern.test(request.subject);
  if (!isTask && !/^\d+$/.test(request.subject)) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `"${request.subject}" is neither a task id (0x followed by 64 hex digits) nor a deal id (a whole number).`,
    );
  }
  const text = new TextEncoder().encode(request.text);
  if (text.length === 0 || text.length > 16 * 1024) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `--text is 1 to 16,384 bytes; this one has ${text.length}.`);
  }
  let provider: Address;
  let receiptPromise;
  if (isTask) {
    const taskId = request.subject as Hex;
    const view = await agora.task(taskId);
    if (!view) throw new AgoraError(errorCodes.TASK_NOT_FOUND, `No task ${taskId} on this network.`);
    const providerIndex = providerIndexOf(request.provider, view.task.providers, `task ${taskId}`);
    provider = view.task.providers[providerIndex]!;
    const textCid = await upload(network.gatewayUrl, text);
    receiptPromise = agora.reviewTask(view, { providerIndex, rating: request.rating, textCid });
  } else {
    const dealId = BigInt(request.subject);
    const { deal, slots } = await readDeal(agora.publicClient, agora.deployment.contracts.storageMarket, dealId);
    if (deal.client === '0x0000000000000000000000000000000000000000') {
      throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `No deal ${dealId} on this network.`);
    }
    const slotIndex = providerIndexOf(
      request.provider,
      slots.map((slot) => slot.provider),
      `deal ${dealId}`,
    );
    provider = slots[slotIndex]!.provider;
    const textCid = await upload(network.gatewayUrl, text);
    receiptPromise = agora.reviewDeal(dealId, { slotIndex, rating: request.rating, textCid });
  }
  const receipt = await receiptPromise;
  const [reviewed] = parseEventLogs({ abi: reviewsAbi, eventName: 'Reviewed', logs: receipt.logs, strict: true });
  if (!reviewed) throw new AgoraError(errorCodes.CONTRACT_REVERTED, 'The review transaction emitted no review.');
  return {
    reviewId: reviewed.args.reviewId,
    subject: isTask ? 'task' : 'deal',
    id: request.subject,
    provider,
    rating: reviewed.args.rating,
    weight: reviewed.args.weight,
    textCid: CID.decode(hexToBytes(reviewed.args.textCid)).toString(),
    transactionHash: receipt.transactionHash,
  };
}

/** The provider's answer to a review: the text goes to the gateway, its CID on chain. */
export async function respondToReview(network: NetworkFile, agora: AgoraClient, reviewId: Hex, text: string) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length === 0 || bytes.length > 16 * 1024) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `--text is 1 to 16,384 bytes; this one has ${bytes.length}.`);
  }
  const responseCid = await upload(network.gatewayUrl, bytes);
  const receipt = await agora.respondToReview(reviewId, responseCid);
  return {
    reviewId,
    responseCid: CID.decode(hexToBytes(responseCid)).toString(),
    transactionHash: receipt.transactionHash,
  };
}

async function textOf(network: NetworkFile, cid: Hex | null): Promise<string | null> {
  if (cid === null) return null;
  try {
    const bytes = await fetchContent(CID.decode(hexToBytes(cid)), { sources: [network.gatewayUrl] });
    return new TextDecoder().decode(bytes);
  } catch {
    // The text lives off chain; a gateway that lost it does not hide the rating.
    return null;
  }
}

/** A provider's registration, review score and protocol record, side by side, with its latest reviews. */
export async function describeProvider(network: NetworkFile, agora: AgoraClient, address: Address, latest = 5) {
  const [registration, activity, reviews] = await Promise.all([
    agora.provider(address),
    readProviderActivity(agora.publicClient, agora.deployment, address),
    readProviderReviews(agora.publicClient, agora.deployment, address),
  ]);
  const shown = await Promise.all(
    reviews
      .slice(-latest)
      .reverse()
      .map(async (review: ProviderReview) => ({
        ...review,
        text: await textOf(network, review.textCid),
        response: await textOf(network, review.responseCid),
      })),
  );
  return { registration, reviews: reviewScore(reviews), objective: objectiveScore(activity), latestReviews: shown };
}
