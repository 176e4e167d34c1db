// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

import "./Table.sol";

/// @title TableTest
/// @notice FISCO BCOS's TableTestV320 sample (console `TableTestV320.sol`) on Weft's CRUD
/// plugin: a numerical table `t_testV320(id; name, age, status)` created in the
/// constructor, and every Table and TableManager operation. Keys are passed as decimal
/// strings (FISCO's sample converts `int64`s with its Cast precompile, 0x100f).
contract TableTest {
    event CreateResult(int256 count);
    event InsertResult(int256 count);
    event UpdateResult(int256 count);
    event RemoveResult(int256 count);

    TableManager constant tm = TableManager(address(0x1002));
    Table table;
    string constant TABLE_NAME = "t_testV320";

    constructor() {
        // create table
        string[] memory columnNames = new string[](3);
        columnNames[0] = "name";
        columnNames[1] = "age";
        columnNames[2] = "status";
        TableInfo memory tf = TableInfo(KeyOrder.Numerical, "id", columnNames);

        tm.createTable(TABLE_NAME, tf);
        address t_address = tm.openTable(TABLE_NAME);
        require(t_address != address(0x0), "");
        table = Table(t_address);
    }

    function tableAddress() public view returns (address) {
        return address(table);
    }

    function select(string memory id) public view returns (string memory, string memory) {
        Entry memory entry = table.select(id);
        string memory name;
        string memory age;
        if (entry.fields.length == 3) {
            name = entry.fields[0];
            age = entry.fields[1];
        }
        return (name, age);
    }

    /// The whole entry, as the table returns it.
    function selectEntry(string memory id) public view returns (Entry memory) {
        return table.select(id);
    }

    function insert(string memory id, string memory name, string memory age) public returns (int32) {
        Entry memory entry = Entry(id, new string[](3));
        entry.fields[0] = name;
        entry.fields[1] = age;
        entry.fields[2] = "init";
        int32 result = table.insert(entry);
        emit InsertResult(result);
        return result;
    }

    /// Inserts, then reverts: the insert must not survive.
    function insertThenRevert(string memory id, string memory name, string memory age) public {
        insert(id, name, age);
        revert("undo the insert");
    }

    function update(string memory id, string memory name, string memory age) public returns (int32) {
        UpdateField[] memory updateFields = new UpdateField[](2);
        updateFields[0] = UpdateField("name", name);
        updateFields[1] = UpdateField("age", age);

        int32 result = table.update(id, updateFields);
        emit UpdateResult(result);
        return result;
    }

    function remove(string memory id) public returns (int32) {
        int32 result = table.remove(id);
        emit RemoveResult(result);
        return result;
    }

    function select(string memory idLow, string memory idHigh) public view returns (string[] memory) {
        Limit memory limit = Limit(0, 500);
        Condition[] memory cond = new Condition[](2);
        cond[0] = Condition(ConditionOP.GT, "id", idLow);
        cond[1] = Condition(ConditionOP.LE, "id", idHigh);
        Entry[] memory entries = table.select(cond, limit);
        string[] memory names = new string[](entries.length);
        for (uint256 i = 0; i < names.length; i++) {
            names[i] = entries[i].fields[0];
        }
        return names;
    }

    /// Keys of the rows where `field op value`, paged by `offset` and `count`.
    function selectWhere(ConditionOP op, string memory field, string memory value, uint32 offset, uint32 count_)
        public
        view
        returns (string[] memory)
    {
        Condition[] memory cond = new Condition[](1);
        cond[0] = Condition(op, field, value);
        Entry[] memory entries = table.select(cond, Limit(offset, count_));
        string[] memory keys = new string[](entries.length);
        for (uint256 i = 0; i < keys.length; i++) {
            keys[i] = entries[i].key;
        }
        return keys;
    }

    function count(string memory idLow, string memory idHigh) public view returns (uint32) {
        Condition[] memory cond = new Condition[](2);
        cond[0] = Condition(ConditionOP.GT, "id", idLow);
        cond[1] = Condition(ConditionOP.LE, "id", idHigh);
        return table.count(cond);
    }

    function update(string memory idLow, string memory idHigh) public returns (int32) {
        UpdateField[] memory updateFields = new UpdateField[](1);
        updateFields[0] = UpdateField("status", "updated");

        Limit memory limit = Limit(0, 500);
        Condition[] memory cond = new Condition[](2);
        cond[0] = Condition(ConditionOP.GT, "id", idLow);
        cond[1] = Condition(ConditionOP.LE, "id", idHigh);
        int32 result = table.update(cond, limit, updateFields);
        emit UpdateResult(result);
        return result;
    }

    function remove(string memory idLow, string memory idHigh) public returns (int32) {
        Limit memory limit = Limit(0, 500);
        Condition[] memory cond = new Condition[](2);
        cond[0] = Condition(ConditionOP.GT, "id", idLow);
        cond[1] = Condition(ConditionOP.LE, "id", idHigh);
        int32 result = table.remove(cond, limit);
        emit RemoveResult(result);
        return result;
    }

    function createTable(string memory tableName, uint8 keyOrder, string memory key, string[] memory fields)
        public
        returns (int256)
    {
        require(keyOrder == 0 || keyOrder == 1);
        KeyOrder _keyOrder = KeyOrder.Lexicographic;
        if (keyOrder == 1) {
            _keyOrder = KeyOrder.Numerical;
        }
        TableInfo memory tf = TableInfo(_keyOrder, key, fields);
        int32 result = tm.createTable(tableName, tf);
        emit CreateResult(result);
        return result;
    }

    function appendColumns(string[] memory newColumns) public returns (int32) {
        return tm.appendColumns(TABLE_NAME, newColumns);
    }

    function desc() public view returns (string memory, string[] memory) {
        TableInfo memory ti = tm.descWithKeyOrder(TABLE_NAME);
        return (ti.keyColumn, ti.valueColumns);
    }

    function tableKeyOrder() public view returns (KeyOrder) {
        return tm.descWithKeyOrder(TABLE_NAME).keyOrder;
    }
}

/// @title KVTableTest
/// @notice FISCO BCOS's KVTableTest sample (console `KVTableTest.sol`): a KV table
/// `t_kv_test(id; item_name)` created in the constructor, `get` and `set`.
contract KVTableTest {
    TableManager tm;
    KVTable table;
    string constant tableName = "t_kv_test";

    event SetEvent(int256 count);

    constructor() {
        tm = TableManager(address(0x1002));

        // create table
        tm.createKVTable(tableName, "id", "item_name");

        // get table address
        address t_address = tm.openTable(tableName);
        table = KVTable(t_address);
    }

    function tableAddress() public view returns (address) {
        return address(table);
    }

    function desc() public view returns (string memory, string memory) {
        TableInfo memory tf = tm.descWithKeyOrder(tableName);
        return (tf.keyColumn, tf.valueColumns[0]);
    }

    function get(string memory id) public view returns (bool, string memory) {
        bool ok = false;
        string memory value;
        (ok, value) = table.get(id);
        return (ok, value);
    }

    function set(string memory id, string memory item_name) public returns (int32) {
        int32 result = table.set(id, item_name);
        emit SetEvent(result);
        return result;
    }

    function createKVTableTest(string memory _tableName, string memory keyName, string memory fieldName)
        public
        returns (int32)
    {
        int32 result = tm.createKVTable(_tableName, keyName, fieldName);
        return result;
    }
}
