// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @title Counter
/// @notice Callee for Caller: a counter, and a function that always reverts.
contract Counter {
    uint256 public count;

    function increment() public returns (uint256) {
        count += 1;
        return count;
    }

    function fail() public pure {
        revert("counter failed");
    }
}

/// The view of Counter that Caller uses.
interface ICounter {
    function count() external view returns (uint256);

    function increment() external returns (uint256);

    function fail() external;
}

/// @title Caller
/// @notice Contract-to-contract calls: typed CALL, try/catch, low-level CALL, STATICCALL.
contract Caller {
    function callIncrement(address counter) public returns (uint256) {
        return ICounter(counter).increment();
    }

    /// Calls Counter.fail() and catches its Error(string).
    /// Returns (true, "") if the call unexpectedly succeeded.
    function callFailCatch(address counter) public returns (bool ok, string memory reason) {
        try ICounter(counter).fail() {
            return (true, "");
        } catch Error(string memory r) {
            return (false, r);
        }
    }

    function lowLevelCall(address target, bytes calldata data) public returns (bool, bytes memory) {
        (bool success, bytes memory ret) = target.call(data);
        return (success, ret);
    }

    /// Reads Counter.count() through STATICCALL (the call from a view function).
    function staticRead(address counter) public view returns (uint256) {
        return ICounter(counter).count();
    }
}
