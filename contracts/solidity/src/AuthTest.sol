// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// The part of FISCO BCOS's ContractAuthPrecompiled (0x1005) that AuthTest calls.
interface IContractAuth {
    function setContractStatus(address _address, bool isFreeze) external returns (int256);
    function getAdmin(address contractAddr) external view returns (address);
}

/// FISCO BCOS's TableManager (0x1002), the KV-table part.
interface ITableManager {
    function createKVTable(string memory tableName, string memory keyField, string memory valueField)
        external
        returns (int32);
    function openTable(string memory path) external view returns (address);
}

/// A FISCO BCOS KV table, at the address `openTable` returns.
interface IKVTable {
    function get(string memory key) external view returns (bool, string memory);
    function set(string memory key, string memory value) external returns (int32);
}

/// @title AuthTest
/// @notice A target for permission tests: a method to restrict (`set`), calls into the
/// permission precompile from a contract (where `msg.sender` is this contract, not the
/// transaction's sender), and table writes through the CRUD precompile (judged by
/// `tx.origin`).
contract AuthTest {
    IContractAuth constant AUTH = IContractAuth(address(0x1005));
    ITableManager constant TABLES = ITableManager(address(0x1002));

    uint256 public value;

    function set(uint256 v) public {
        value = v;
    }

    function get() public view returns (uint256) {
        return value;
    }

    /// Freeze `target` through this contract: 0x1005 sees this contract as the caller.
    function freeze(address target) public returns (int256) {
        return AUTH.setContractStatus(target, true);
    }

    function adminOf(address target) public view returns (address) {
        return AUTH.getAdmin(target);
    }

    function createKVTable(string memory name, string memory keyField, string memory valueField)
        public
        returns (int32)
    {
        return TABLES.createKVTable(name, keyField, valueField);
    }

    function kvSet(string memory path, string memory key, string memory v) public returns (int32) {
        return IKVTable(TABLES.openTable(path)).set(key, v);
    }

    function kvGet(string memory path, string memory key) public view returns (bool, string memory) {
        return IKVTable(TABLES.openTable(path)).get(key);
    }
}
