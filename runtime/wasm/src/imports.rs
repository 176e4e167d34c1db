//! The host functions of module `"weft"`, written once for every engine.
//!
//! Every function follows the same order: check its arguments (pointer ranges against the
//! memory, enumerations), check the static context, charge the fixed gas, read memory,
//! call the host, charge the host's gas, write results. Gas is kept as fuel in the
//! instrumented module's counter ([`crate::instrument`]): charging `g` gas removes `g × 10`
//! fuel, so fuel and gas agree at every host call.
//!
//! The functions are generic over [`HostCtx`] — memory, fuel counter and frame data as an
//! engine exposes them — so each engine's bindings ([`link`] for wasmtime) only adapt types:
//! the same checks, charges and results on every engine, by construction.

use std::ops::Range;

use wasmtime::{Caller, Linker, Val};

use crate::frame::{Exit, FrameData, HostState};
use crate::gas::{GasSchedule, FUEL_PER_GAS, FUEL_RESERVE};
use crate::host::{CallKind, CallStatus, Host, HostError};
use crate::outcome::TrapKind;

pub(crate) type Res<T> = Result<T, Exit>;

/// What host functions need from the engine running the frame.
pub(crate) trait HostCtx {
    /// Host, output and return data.
    fn frame(&mut self) -> &mut FrameData;
    /// The memory's size in bytes.
    fn memory_size(&mut self) -> Res<usize>;
    /// Copies `range` of the memory (in bounds) into `out` (of the same length).
    fn read_memory(&mut self, range: Range<usize>, out: &mut [u8]) -> Res<()>;
    /// Copies `bytes` into the memory at `range` (in bounds, of the same length).
    fn write_memory(&mut self, range: Range<usize>, bytes: &[u8]) -> Res<()>;
    /// The fuel counter's value (0 when overdrawn).
    fn fuel(&mut self) -> Res<u64>;
    /// Sets the fuel counter.
    fn set_fuel(&mut self, left: u64) -> Res<()>;
}

fn trap(kind: TrapKind) -> Exit {
    Exit::Trap(kind)
}

fn fatal(why: impl Into<String>) -> Exit {
    Exit::Fatal(why.into())
}

fn host_error(e: HostError) -> Exit {
    match e {
        HostError::Fatal(why) => fatal(why),
        HostError::Trap(kind) => trap(kind),
    }
}

/// The byte range `[ptr, ptr + len)` of a memory of `size` bytes, or `ArgumentOutOfRange`.
/// Pointers and lengths are `i32`s read as unsigned (wasm32 addresses).
fn range(size: usize, ptr: i32, len: u64) -> Res<Range<usize>> {
    let start = u64::from(ptr as u32);
    let end = start + len;
    if end > size as u64 {
        return Err(trap(TrapKind::ArgumentOutOfRange));
    }
    Ok(start as usize..end as usize)
}

/// A length argument (an `i32` read as unsigned).
fn length(len: i32) -> u64 {
    u64::from(len as u32)
}

/// Checks that `[ptr, ptr + len)` lies inside the memory.
pub(crate) fn check<C: HostCtx>(c: &mut C, ptr: i32, len: u64) -> Res<Range<usize>> {
    let size = c.memory_size()?;
    range(size, ptr, len)
}

pub(crate) fn read<C: HostCtx>(c: &mut C, ptr: i32, len: u64) -> Res<Vec<u8>> {
    let r = check(c, ptr, len)?;
    let mut out = vec![0u8; r.len()];
    c.read_memory(r, &mut out)?;
    Ok(out)
}

fn read_array<const N: usize>(c: &mut impl HostCtx, ptr: i32) -> Res<[u8; N]> {
    let r = check(c, ptr, N as u64)?;
    let mut out = [0u8; N];
    c.read_memory(r, &mut out)?;
    Ok(out)
}

pub(crate) fn write<C: HostCtx>(c: &mut C, ptr: i32, bytes: &[u8]) -> Res<()> {
    let r = check(c, ptr, bytes.len() as u64)?;
    c.write_memory(r, bytes)
}

/// Gas left, as the contract sees it (whole gas units of the fuel left above the reserve).
pub(crate) fn remaining_gas<C: HostCtx>(c: &mut C) -> Res<u64> {
    Ok(c.fuel()?.saturating_sub(FUEL_RESERVE) / FUEL_PER_GAS)
}

/// Charges `gas`, or traps with out-of-gas (all fuel gone) when there is not enough.
pub(crate) fn charge<C: HostCtx>(c: &mut C, gas: u64) -> Res<()> {
    let fuel = c.fuel()?;
    let cost = gas.saturating_mul(FUEL_PER_GAS);
    if cost > fuel.saturating_sub(FUEL_RESERVE) {
        c.set_fuel(0)?;
        return Err(trap(TrapKind::OutOfGas));
    }
    c.set_fuel(fuel - cost)
}

pub(crate) fn static_check<C: HostCtx>(c: &mut C) -> Res<()> {
    if c.frame().host().is_static() {
        return Err(trap(TrapKind::StaticViolation));
    }
    Ok(())
}

/// `base + per_word × ⌈len / 32⌉`, saturating.
fn per_word(base: u64, per_word: u64, len: u64) -> u64 {
    base.saturating_add(per_word.saturating_mul(len.div_ceil(32)))
}

/// All but one 64th (EIP-150).
fn all_but_one_64th(gas: u64) -> u64 {
    gas - gas / 64
}

/// Host function `input_size` (`sdk/HOST_API.md`).
pub(crate) fn input_size<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i32> {
    charge(c, g.base)?;
    Ok(c.frame().host().input().len() as i32)
}

/// Host function `input_copy` (`sdk/HOST_API.md`).
pub(crate) fn input_copy<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    dest: i32,
    offset: i32,
    len: i32,
) -> Res<()> {
    let len = length(len);
    check(c, dest, len)?;
    charge(c, per_word(g.copy_base, g.copy_per_word, len))?;
    // As CALLDATACOPY: bytes past the end of the input read as zero.
    let input = c.frame().host().input();
    let start = (offset as u32 as usize).min(input.len());
    let mut bytes =
        vec![0u8; usize::try_from(len).map_err(|_| trap(TrapKind::ArgumentOutOfRange))?];
    let n = (input.len() - start).min(bytes.len());
    bytes[..n].copy_from_slice(&input[start..start + n]);
    write(c, dest, &bytes)
}

/// Host function `set_return` (`sdk/HOST_API.md`).
pub(crate) fn set_return<C: HostCtx>(c: &mut C, g: &GasSchedule, ptr: i32, len: i32) -> Res<()> {
    let len = length(len);
    check(c, ptr, len)?;
    charge(c, per_word(0, g.copy_per_word, len))?;
    let data = read(c, ptr, len)?;
    c.frame().output = data;
    Ok(())
}

/// Host function `revert` (`sdk/HOST_API.md`).
pub(crate) fn revert<C: HostCtx>(c: &mut C, g: &GasSchedule, ptr: i32, len: i32) -> Res<()> {
    let len = length(len);
    check(c, ptr, len)?;
    charge(c, per_word(0, g.copy_per_word, len))?;
    let data = read(c, ptr, len)?;
    Err(Exit::Revert(data))
}

/// Host function `storage_load` (`sdk/HOST_API.md`).
pub(crate) fn storage_load<C: HostCtx>(
    c: &mut C,
    _g: &GasSchedule,
    key_ptr: i32,
    value_out: i32,
) -> Res<()> {
    let key = read_array::<32>(c, key_ptr)?;
    check(c, value_out, 32)?;
    let (value, cost) = c.frame().host().storage_load(key).map_err(host_error)?;
    charge(c, cost)?;
    write(c, value_out, &value)
}

/// Host function `storage_store` (`sdk/HOST_API.md`).
pub(crate) fn storage_store<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    key_ptr: i32,
    value_ptr: i32,
) -> Res<()> {
    let key = read_array::<32>(c, key_ptr)?;
    let value = read_array::<32>(c, value_ptr)?;
    static_check(c)?;
    if remaining_gas(c)? <= g.sstore_sentry {
        c.set_fuel(0)?;
        return Err(trap(TrapKind::OutOfGas));
    }
    let cost = c
        .frame()
        .host()
        .storage_store(key, value)
        .map_err(host_error)?;
    charge(c, cost)
}

/// Host function `emit_log` (`sdk/HOST_API.md`).
pub(crate) fn emit_log<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    topics_ptr: i32,
    topic_count: i32,
    data_ptr: i32,
    data_len: i32,
) -> Res<()> {
    let count = match usize::try_from(topic_count) {
        Ok(n) if n <= 4 => n,
        _ => return Err(trap(TrapKind::ArgumentOutOfRange)),
    };
    let data_len = length(data_len);
    check(c, topics_ptr, 32 * count as u64)?;
    check(c, data_ptr, data_len)?;
    static_check(c)?;
    charge(
        c,
        g.log_base
            .saturating_add(g.log_per_topic.saturating_mul(count as u64))
            .saturating_add(g.log_per_byte.saturating_mul(data_len)),
    )?;
    let raw = read(c, topics_ptr, 32 * count as u64)?;
    let topics: Vec<[u8; 32]> = raw
        .chunks_exact(32)
        .map(|t| {
            let mut topic = [0u8; 32];
            topic.copy_from_slice(t);
            topic
        })
        .collect();
    let data = read(c, data_ptr, data_len)?;
    c.frame()
        .host()
        .emit_log(&topics, &data)
        .map_err(host_error)
}

/// The environment reads that write a value to memory: bounds, then `base` gas, then the
/// host's answer.
fn write_env<C: HostCtx, const N: usize>(
    c: &mut C,
    g: &GasSchedule,
    out: i32,
    read: impl FnOnce(&mut dyn Host) -> [u8; N],
) -> Res<()> {
    check(c, out, N as u64)?;
    charge(c, g.base)?;
    let v = read(c.frame().host());
    write(c, out, &v)
}

/// The environment reads that return a number: `base` gas, then the host's answer.
fn env_number<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    read: impl FnOnce(&mut dyn Host) -> u64,
) -> Res<i64> {
    charge(c, g.base)?;
    Ok(read(c.frame().host()) as i64)
}

/// Host function `caller` (`sdk/HOST_API.md`).
pub(crate) fn caller<C: HostCtx>(c: &mut C, g: &GasSchedule, out: i32) -> Res<()> {
    write_env(c, g, out, |h| h.caller())
}

/// Host function `origin` (`sdk/HOST_API.md`).
pub(crate) fn origin<C: HostCtx>(c: &mut C, g: &GasSchedule, out: i32) -> Res<()> {
    write_env(c, g, out, |h| h.origin())
}

/// Host function `address` (`sdk/HOST_API.md`).
pub(crate) fn address<C: HostCtx>(c: &mut C, g: &GasSchedule, out: i32) -> Res<()> {
    write_env(c, g, out, |h| h.address())
}

/// Host function `call_value` (`sdk/HOST_API.md`).
pub(crate) fn call_value<C: HostCtx>(c: &mut C, g: &GasSchedule, out: i32) -> Res<()> {
    write_env(c, g, out, |h| h.call_value())
}

/// Host function `block_number` (`sdk/HOST_API.md`).
pub(crate) fn block_number<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i64> {
    env_number(c, g, |h| h.block_number())
}

/// Host function `block_timestamp` (`sdk/HOST_API.md`).
pub(crate) fn block_timestamp<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i64> {
    env_number(c, g, |h| h.block_timestamp())
}

/// Host function `chain_id` (`sdk/HOST_API.md`).
pub(crate) fn chain_id<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i64> {
    env_number(c, g, |h| h.chain_id())
}

/// Host function `gas_left` (`sdk/HOST_API.md`).
pub(crate) fn gas_left<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i64> {
    charge(c, g.base)?;
    Ok(remaining_gas(c)? as i64)
}

/// Host function `call` (`sdk/HOST_API.md`): one argument per value, as the ABI has them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call<C: HostCtx>(
    c: &mut C,
    _g: &GasSchedule,
    kind: i32,
    addr_ptr: i32,
    value_ptr: i32,
    data_ptr: i32,
    data_len: i32,
    gas: i64,
) -> Res<i32> {
    let kind = CallKind::from_i32(kind).ok_or_else(|| trap(TrapKind::ArgumentOutOfRange))?;
    let requested = u64::try_from(gas).map_err(|_| trap(TrapKind::ArgumentOutOfRange))?;
    let to = read_array::<20>(c, addr_ptr)?;
    // STATICCALL and DELEGATECALL carry no value: `value_ptr` is not read.
    let value = match kind {
        CallKind::Call => read_array::<32>(c, value_ptr)?,
        CallKind::StaticCall | CallKind::DelegateCall => [0u8; 32],
    };
    let data_len = length(data_len);
    check(c, data_ptr, data_len)?;
    if value != [0u8; 32] {
        static_check(c)?;
    }
    let cost = c
        .frame()
        .host()
        .call_cost(kind, to, value)
        .map_err(host_error)?;
    charge(c, cost)?;
    let data = read(c, data_ptr, data_len)?;
    let cap = all_but_one_64th(remaining_gas(c)?);
    let forwarded = if requested == 0 {
        cap
    } else {
        requested.min(cap)
    };
    let result = c
        .frame()
        .host()
        .call(kind, to, value, &data, forwarded)
        .map_err(host_error)?;
    charge(c, result.gas_used)?;
    c.frame().return_data = result.return_data;
    Ok(result.status.code())
}

/// Host function `create` (`sdk/HOST_API.md`).
pub(crate) fn create<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    code_ptr: i32,
    code_len: i32,
    value_ptr: i32,
    salt_ptr: i32,
    address_out: i32,
) -> Res<i32> {
    let code_len = length(code_len);
    check(c, code_ptr, code_len)?;
    let value = read_array::<32>(c, value_ptr)?;
    let salt = if salt_ptr == -1 {
        None
    } else {
        Some(read_array::<32>(c, salt_ptr)?)
    };
    check(c, address_out, 20)?;
    static_check(c)?;
    let hashing = if salt.is_some() {
        per_word(0, g.create2_hash_per_word, code_len)
    } else {
        0
    };
    charge(
        c,
        per_word(g.create_base, g.init_code_per_word, code_len).saturating_add(hashing),
    )?;
    let code = read(c, code_ptr, code_len)?;
    let forwarded = all_but_one_64th(remaining_gas(c)?);
    let result = c
        .frame()
        .host()
        .create(&code, value, salt, forwarded)
        .map_err(host_error)?;
    charge(c, result.gas_used)?;
    if result.status == CallStatus::Success {
        write(c, address_out, &result.address)?;
    }
    c.frame().return_data = result.return_data;
    Ok(result.status.code())
}

/// Host function `return_data_size` (`sdk/HOST_API.md`).
pub(crate) fn return_data_size<C: HostCtx>(c: &mut C, g: &GasSchedule) -> Res<i32> {
    charge(c, g.base)?;
    Ok(c.frame().return_data.len() as i32)
}

/// Host function `return_data_copy` (`sdk/HOST_API.md`).
pub(crate) fn return_data_copy<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    dest: i32,
    offset: i32,
    len: i32,
) -> Res<()> {
    let len = length(len);
    check(c, dest, len)?;
    // As RETURNDATACOPY: reading past the end of the return data is an error.
    let source = range(c.frame().return_data.len(), offset, len)?;
    charge(c, per_word(g.copy_base, g.copy_per_word, len))?;
    let bytes = c.frame().return_data[source].to_vec();
    write(c, dest, &bytes)
}

/// Host function `keccak256` (`sdk/HOST_API.md`).
pub(crate) fn keccak256<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    ptr: i32,
    len: i32,
    out: i32,
) -> Res<()> {
    let cost = |len| per_word(g.keccak_base, g.keccak_per_word, len);
    hash_into(c, ptr, len, out, cost, |h, data| h.keccak256(data))
}

/// Host function `chain_hash` (`sdk/HOST_API.md`).
pub(crate) fn chain_hash<C: HostCtx>(
    c: &mut C,
    g: &GasSchedule,
    ptr: i32,
    len: i32,
    out: i32,
) -> Res<()> {
    let cost = |len| per_word(g.chain_hash_base, g.chain_hash_per_word, len);
    hash_into(c, ptr, len, out, cost, |h, data| h.chain_hash(data))
}

/// The hash functions: bounds of input and output, gas for `len` bytes, then the host's
/// hash of the input written at `out`.
fn hash_into<C: HostCtx>(
    c: &mut C,
    ptr: i32,
    len: i32,
    out: i32,
    cost: impl FnOnce(u64) -> u64,
    hash: impl FnOnce(&mut dyn Host, &[u8]) -> [u8; 32],
) -> Res<()> {
    let len = length(len);
    check(c, ptr, len)?;
    check(c, out, 32)?;
    charge(c, cost(len))?;
    let data = read(c, ptr, len)?;
    let digest = hash(c.frame().host(), &data);
    write(c, out, &digest)
}

/// Invokes `$define!` with the table of host functions: `name(args: types) -> result;`,
/// one per import of module `"weft"` — the one list every engine binds.
macro_rules! host_functions {
    ($define:ident) => {
        $define! {
            input_size(: ) -> i32;
            input_copy(dest, offset, len: i32, i32, i32) -> ();
            set_return(ptr, len: i32, i32) -> ();
            revert(ptr, len: i32, i32) -> ();
            storage_load(key_ptr, value_out: i32, i32) -> ();
            storage_store(key_ptr, value_ptr: i32, i32) -> ();
            emit_log(topics_ptr, topic_count, data_ptr, data_len: i32, i32, i32, i32) -> ();
            caller(out: i32) -> ();
            origin(out: i32) -> ();
            address(out: i32) -> ();
            call_value(out: i32) -> ();
            block_number(: ) -> i64;
            block_timestamp(: ) -> i64;
            chain_id(: ) -> i64;
            gas_left(: ) -> i64;
            call(kind, addr_ptr, value_ptr, data_ptr, data_len, gas: i32, i32, i32, i32, i32, i64) -> i32;
            create(code_ptr, code_len, value_ptr, salt_ptr, address_out: i32, i32, i32, i32, i32) -> i32;
            return_data_size(: ) -> i32;
            return_data_copy(dest, offset, len: i32, i32, i32) -> ();
            keccak256(ptr, len, out: i32, i32, i32) -> ();
            chain_hash(ptr, len, out: i32, i32, i32) -> ();
        }
    };
}
#[cfg_attr(not(feature = "wasmer"), allow(unused_imports))] // used by the wasmer engine
pub(crate) use host_functions;

/// A wasmtime host call's view of its frame.
struct Wasmtime<'a, 'b>(&'a mut Caller<'b, HostState>);

impl Wasmtime<'_, '_> {
    fn memory(&self) -> Res<wasmtime::Memory> {
        self.0
            .data()
            .memory
            .ok_or_else(|| fatal("the instance's memory is not set"))
    }

    fn fuel_global(&self) -> Res<wasmtime::Global> {
        self.0
            .data()
            .fuel
            .ok_or_else(|| fatal("the instance's fuel counter is not set"))
    }
}

impl HostCtx for Wasmtime<'_, '_> {
    fn frame(&mut self) -> &mut FrameData {
        &mut self.0.data_mut().frame
    }

    fn memory_size(&mut self) -> Res<usize> {
        Ok(self.memory()?.data_size(&*self.0))
    }

    fn read_memory(&mut self, range: Range<usize>, out: &mut [u8]) -> Res<()> {
        let memory = self.memory()?;
        let data = memory
            .data(&*self.0)
            .get(range)
            .ok_or_else(|| trap(TrapKind::ArgumentOutOfRange))?;
        out.copy_from_slice(data);
        Ok(())
    }

    fn write_memory(&mut self, range: Range<usize>, bytes: &[u8]) -> Res<()> {
        let memory = self.memory()?;
        let data = memory
            .data_mut(&mut *self.0)
            .get_mut(range)
            .ok_or_else(|| trap(TrapKind::ArgumentOutOfRange))?;
        data.copy_from_slice(bytes);
        Ok(())
    }

    fn fuel(&mut self) -> Res<u64> {
        match self.fuel_global()?.get(&mut *self.0) {
            Val::I64(left) => Ok(u64::try_from(left).unwrap_or(0)),
            _ => Err(fatal("the fuel counter is not an i64")),
        }
    }

    fn set_fuel(&mut self, left: u64) -> Res<()> {
        let left = i64::try_from(left).map_err(|_| fatal("fuel above i64::MAX"))?;
        self.fuel_global()?
            .set(&mut *self.0, Val::I64(left))
            .map_err(|e| fatal(e.to_string()))
    }
}

/// Defines every host function of [`HOST_FUNCTIONS`](crate::HOST_FUNCTIONS) in `linker`.
pub(crate) fn link(linker: &mut Linker<HostState>, g: GasSchedule) -> wasmtime::Result<()> {
    const M: &str = crate::host_api::HOST_MODULE;
    macro_rules! define {
        ($($name:ident($($arg:ident),*: $($ty:ty),*) -> $ret:ty;)*) => {$(
            linker.func_wrap(
                M,
                stringify!($name),
                move |mut c: Caller<'_, HostState>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                    $name(&mut Wasmtime(&mut c), &g, $($arg),*).map_err(wasmtime::Error::new)
                },
            )?;
        )*};
    }
    host_functions!(define);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range(100, 0, 100).ok(), Some(0..100));
        assert_eq!(range(100, 99, 1).ok(), Some(99..100));
        assert!(range(100, 99, 2).is_err());
        assert!(range(100, -1, 1).is_err());
        assert!(range(100, 0, length(-1)).is_err());
        assert_eq!(range(100, 100, 0).ok(), Some(100..100));
    }

    #[test]
    fn sixty_four() {
        assert_eq!(all_but_one_64th(6400), 6300);
        assert_eq!(all_but_one_64th(63), 63);
    }
}
