// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Provider registry: who sells compute, what they offer, and the stake that backs their promises.
/// @notice Providers register resources and a metadata CID, bond stake in the protocol token, unbond with a
/// delay, and withdraw. Only authorized market modules slash; a slash is bounded by the provider's stake and
/// jails the provider for a while. A jailed provider cannot be matched but can always leave.
interface IProviderRegistry {
    enum ProviderStatus {
        None,
        Active,
        Left
    }

    /// @notice One storage word per provider: everything `requireEligible` reads.
    struct Provider {
        uint96 bonded;
        uint96 unbonding;
        uint40 jailedUntil;
        ProviderStatus status;
    }

    /// @notice Governance-owned parameters, each with hard bounds (see `MIN_*`/`MAX_*`).
    struct RegistryParams {
        uint32 unbondingPeriod;
        uint16 slashBps;
        uint32 jailDuration;
    }

    error RegistryAlreadyRegistered(address provider);
    error RegistryNotRegistered(address provider);
    error RegistryProviderLeft(address provider);
    error RegistryJailed(address provider, uint40 jailedUntil);
    error RegistryInsufficientStake(address provider, uint256 bonded, uint256 minimum);
    error RegistryZeroAmount();
    error RegistryInvalidResources();
    error RegistryInvalidMetadataCid();
    error RegistryAmountExceedsBonded(uint256 requested, uint256 bonded);
    error RegistryNothingToWithdraw();
    error RegistryUnbondingNotReady(uint40 readyAt);
    error RegistryStakeOverflow();
    error RegistryUnauthorizedSlasher(address caller);
    error RegistryParamOutOfBounds(bytes32 param, uint256 value, uint256 min, uint256 max);
    error RegistryZeroAddress();
    error RegistryTooManyMirrors(uint256 max);
    error RegistryStakeBacksOpenTasks(address market, uint256 openTasks);
    error RegistryMirrorOutOfGas(address mirror);

    event ProviderRegistered(address indexed provider, uint256 resources, bytes metadataCid);
    event ProviderProfileUpdated(address indexed provider, uint256 resources, bytes metadataCid);
    event Staked(address indexed provider, uint256 amount, uint256 bonded);
    event UnbondRequested(address indexed provider, uint256 amount, uint256 unbonding, uint40 readyAt);
    event StakeWithdrawn(address indexed provider, uint256 amount);
    event ProviderSlashed(
        address indexed provider, bytes32 indexed taskId, uint256 amount, uint40 jailedUntil
    );
    event ProviderJailed(address indexed provider, uint40 jailedUntil);
    event ProviderLeft(address indexed provider, uint256 unbonding, uint40 readyAt);
    event SlasherUpdated(address indexed module, bool allowed);
    event MirrorUpdated(address indexed mirror, bool added);
    /// @notice A mirror reverted (or ran out of its gas) on an update; its copy of the provider's standing is stale.
    event MirrorFailed(address indexed mirror, address indexed provider);
    event RegistryParamsUpdated(RegistryParams params);
    event RegistryTreasuryUpdated(address treasury);

    /// @notice Registers the caller as a provider.
    /// @param resources Packed resources (see `ResourcesLib`); at least one CPU core and some memory.
    /// @param metadataCid CIDv1 (binary) of the provider's public metadata document.
    function register(uint256 resources, bytes calldata metadataCid) external;

    /// @notice Replaces the caller's resources and metadata CID.
    function updateProfile(uint256 resources, bytes calldata metadataCid) external;

    /// @notice Bonds `amount` protocol tokens (pulled with `transferFrom`) to the caller's stake.
    function stake(uint96 amount) external;

    /// @notice Moves `amount` of bonded stake to unbonding; it stays slashable until `unbondingPeriod` passes.
    /// A new request restarts the delay for everything that is unbonding.
    function requestUnbond(uint96 amount) external;

    /// @notice Transfers the caller's unbonded stake once its delay has passed and no market reports a task of the
    /// caller still open (unsettled tasks keep the stake that backs them slashable, however late they settle).
    function withdrawStake() external;

    /// @notice Leaves the market: the caller can no longer be matched and all its stake starts unbonding.
    function leave() external;

    /// @notice Slashes each provider by `slashBps` of its stake (bonded first, then unbonding), sends the
    /// tokens to the treasury and jails the provider for `jailDuration`. Only authorized market modules.
    /// @param taskId The task the providers failed (indexed for reputation).
    function slash(bytes32 taskId, address[] calldata providers) external;

    /// @notice Jails a provider until `until` (governance, for misconduct proven off-chain).
    function jail(address provider, uint40 until) external;

    /// @notice Reverts unless every provider is active, not jailed and bonded at least `minStake`. Each market
    /// sets its own minimum (a storage deal may want more at stake than a compute task) and passes it here.
    function requireEligible(address[] calldata providers, uint256 minStake) external view;

    /// @notice Sends the provider's current standing to every mirror. Anyone may call it; it is needed only for
    /// providers that registered before a mirror was added (until then that market does not see them at all).
    function sync(address provider) external;

    /// @notice The markets told of every change in a provider's standing (see `IProviderMirror`).
    function mirrors() external view returns (address[] memory);

    /// @notice The provider's stake and status.
    function providerOf(address provider) external view returns (Provider memory);

    /// @notice The provider's packed resources and metadata CID.
    function profileOf(address provider) external view returns (uint256 resources, bytes memory metadataCid);

    /// @notice When the provider's unbonding stake can be withdrawn.
    function unbondingReadyAt(address provider) external view returns (uint40);
}
