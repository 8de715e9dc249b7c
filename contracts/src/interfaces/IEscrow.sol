// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Escrow: the market's token balances.
/// @notice Each account holds, per allowlisted token, a free balance it may withdraw at any time and a locked
/// balance that backs its open tasks. Providers are paid into their free balance and withdraw (pull
/// payments). Fees accrue per (matcher, token): the matcher claims its part, anyone sends the protocol part
/// to the treasury. The contract's token balance always equals the sum of all free, locked and fee balances.
interface IEscrow {
    /// @notice An account's balances in one token, packed in one storage word. `settledTasks` counts, modulo
    /// 2^15, the tasks this account served as a provider in this token that have settled: it is written with the
    /// provider's payment, so knowing when a provider's stake is free to leave costs settlement nothing extra (see
    /// `IComputeMarket.openTasksOf`).
    struct Account {
        uint120 free;
        uint120 locked;
        uint16 settledTasks;
    }

    /// @notice Fees accrued through one matcher in one token, packed in one storage word.
    struct FeePot {
        uint128 matcherFees;
        uint128 protocolFees;
    }

    error EscrowTokenNotAllowed(address token);
    error EscrowZeroAmount();
    error EscrowInsufficientBalance(address token, address account, uint256 available, uint256 required);
    error EscrowAmountTooLarge(uint256 amount);
    error EscrowNothingToClaim();
    error EscrowZeroAddress();
    error EscrowTooManyTokens(uint256 max);

    event Deposited(address indexed token, address indexed account, uint256 amount);
    event Withdrawn(address indexed token, address indexed account, uint256 amount);
    event MatcherFeesClaimed(address indexed token, address indexed matcher, uint256 amount);
    event ProtocolFeesCollected(address indexed token, address indexed treasury, uint256 amount);
    event TokenAllowed(address indexed token, bool allowed);
    event TreasuryUpdated(address treasury);

    /// @notice Pulls `amount` of `token` from the caller and credits `to`'s free balance.
    /// @dev The amount credited is what actually arrived, so fee-on-transfer tokens cannot inflate balances.
    function deposit(address token, address to, uint256 amount) external;

    /// @notice Sends `amount` of the caller's free `token` balance to the caller. Works for delisted tokens too.
    function withdraw(address token, uint256 amount) external;

    /// @notice Sends the caller's accrued matcher fees in `token` to the caller.
    function claimMatcherFees(address token) external returns (uint256 amount);

    /// @notice Sends the protocol fees accrued through `matchers` in `token` to the treasury. Anyone may call.
    function collectProtocolFees(address token, address[] calldata matchers) external returns (uint256 amount);

    /// @notice The free and locked balances of `account` in `token`.
    function balanceOf(address token, address account) external view returns (Account memory);

    /// @notice The fees accrued through `matcher` in `token`.
    function feesOf(address matcher, address token) external view returns (FeePot memory);

    /// @notice Whether new deposits of `token` are accepted.
    function isTokenAllowed(address token) external view returns (bool);
}
