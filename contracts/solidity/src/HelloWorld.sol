// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @title HelloWorld
/// @notice Minimal storage contract: a string that can be read and replaced.
contract HelloWorld {
    string name;

    constructor() {
        name = "Hello, World!";
    }

    function get() public view returns (string memory) {
        return name;
    }

    function set(string memory name_) public {
        name = name_;
    }
}
