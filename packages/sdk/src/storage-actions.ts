import type { Address, PublicClient } from 'viem';

import { storageMarketAbi } from './generated/contracts.js';

/** A storage deal's terms and every slot of it, read in one go. */
export async function readDeal(publicClient: PublicClient, market: Address, dealId: bigint) {
  const deal = await publicClient.readContract({
    address: market,
    abi: storageMarketAbi,
    functionName: 'deal',
    args: [dealId],
  });
  const slots = await Promise.all(
    Array.from({ length: deal.replicas }, (_, index) =>
      publicClient.readContract({
        address: market,
        abi: storageMarketAbi,
        functionName: 'slot',
        args: [dealId, BigInt(index)],
      }),
    ),
  );
  return { deal, slots };
}

/** `DealStatus` and `SlotState` of contracts/src/types/StorageOrders.sol. */
export const dealStatus = { none: 0, active: 1, finished: 2 } as const;
export const slotState = { none: 0, active: 1, repairing: 2, repaired: 3, closed: 4 } as const;
