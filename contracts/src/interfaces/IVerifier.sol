// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title A verification module of the compute market.
/// @notice A verifier decides a task's outcome; the market holds the money and carries the outcome out. Each
/// verification mode names one verifier, fixed for the mode once installed, so a task is always settled by the
/// verifier it was matched under and an ask's `modes` names exactly the verifiers its provider accepts.
/// @dev The flow: the market opens a task (locks escrow, stores the record's hash) and hands the verifier the
/// record with `onTaskOpened`; the task's providers then talk to the verifier in whatever protocol it defines; the
/// verifier ends it with `IComputeMarket.settle`, naming who is paid, who is slashed and the result. The market
/// refuses a verdict that pays or slashes anyone outside the record's providers or charges more than was locked,
/// and `IComputeMarket.expire` ends any task its verifier left open, so a verifier can never take what a task did
/// not lock, nor keep it locked.
interface IVerifier {
    /// @notice The market opened a task this verifier settles: its providers are known and `record` (the packed
    /// record, `TaskRecordLib`) is the one `settle` will accept. Only the market calls it.
    /// @param content The bid's content as `TaskMatched` carries it (encryption key, app CID, input CID), so a
    /// verifier can bind what it checks to the task's app and input.
    function onTaskOpened(bytes calldata record, bytes calldata content) external;
}
