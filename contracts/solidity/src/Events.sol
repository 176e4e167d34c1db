// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @title EventsAndErrors
/// @notice Exercises logs and every revert flavour: Error(string), custom errors, Panic.
contract EventsAndErrors {
    event Stored(address indexed who, uint256 indexed key, bytes32 indexed tag, string note);

    error Insufficient(uint256 available, uint256 required);

    /// Emits a log with four topics (signature + 3 indexed) and ABI-encoded data.
    function store(uint256 key, bytes32 tag, string memory note) public {
        emit Stored(msg.sender, key, tag, note);
    }

    /// Reverts with Error(string).
    function revertWithReason(string memory reason) public pure {
        revert(reason);
    }

    /// Reverts with the custom error Insufficient(uint256,uint256).
    function revertWithCustom(uint256 available, uint256 required) public pure {
        revert Insufficient(available, required);
    }

    /// Reverts with Error("EventsAndErrors: zero") when x is zero.
    function requireNonZero(uint256 x) public pure returns (uint256) {
        require(x != 0, "EventsAndErrors: zero");
        return x;
    }

    /// Division by zero reverts with Panic(0x12).
    function panicDivide(uint256 a, uint256 b) public pure returns (uint256) {
        return a / b;
    }

    /// Reverts with Panic(0x01).
    function assertFalse() public pure {
        assert(false);
    }
}
