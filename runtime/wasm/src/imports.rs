//! The host functions of module `"weft"`, linked once per [`Engine`](crate::Engine).
//!
//! Every function follows the same order: check its arguments (pointer ranges against the
//! memory, enumerations), check the static context, charge the fixed gas, read memory,
//! call the host, charge the host's gas, write results. Gas is kept as fuel: charging `g`
//! gas removes `g × 10` fuel, so fuel and gas agree at every host call.

use std::ops::Range;

use wasmtime::{Caller, Linker, Val};

use crate::frame::{Exit, HostState};
use crate::gas::{GasSchedule, FUEL_PER_GAS, FUEL_RESERVE};
use crate::host::{CallKind, CallStatus, HostError};
use crate::outcome::TrapKind;

type Ctx<'a> = Caller<'a, HostState>;
type Res<T> = wasmtime::Result<T>;

fn trap(kind: TrapKind) -> wasmtime::Error {
    wasmtime::Error::new(Exit::Trap(kind))
}

fn fatal(why: impl Into<String>) -> wasmtime::Error {
    wasmtime::Error::new(Exit::Fatal(why.into()))
}

fn host_error(e: HostError) -> wasmtime::Error {
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

fn memory_size(caller: &Ctx<'_>) -> Res<usize> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| fatal("the instance's memory is not set"))?;
    Ok(memory.data_size(caller))
}

/// Checks that `[ptr, ptr + len)` lies inside the memory.
fn check(caller: &Ctx<'_>, ptr: i32, len: u64) -> Res<Range<usize>> {
    range(memory_size(caller)?, ptr, len)
}

fn read(caller: &Ctx<'_>, ptr: i32, len: u64) -> Res<Vec<u8>> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| fatal("the instance's memory is not set"))?;
    let data = memory.data(caller);
    let r = range(data.len(), ptr, len)?;
    Ok(data[r].to_vec())
}

fn read_array<const N: usize>(caller: &Ctx<'_>, ptr: i32) -> Res<[u8; N]> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| fatal("the instance's memory is not set"))?;
    let data = memory.data(caller);
    let r = range(data.len(), ptr, N as u64)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&data[r]);
    Ok(out)
}

fn write(caller: &mut Ctx<'_>, ptr: i32, bytes: &[u8]) -> Res<()> {
    let memory = caller
        .data()
        .memory
        .ok_or_else(|| fatal("the instance's memory is not set"))?;
    let data = memory.data_mut(caller);
    let r = range(data.len(), ptr, bytes.len() as u64)?;
    data[r].copy_from_slice(bytes);
    Ok(())
}

/// The fuel left in the instrumented module's counter (0 when overdrawn).
fn get_fuel(caller: &mut Ctx<'_>) -> Res<u64> {
    let fuel = caller
        .data()
        .fuel
        .ok_or_else(|| fatal("the instance's fuel counter is not set"))?;
    match fuel.get(&mut *caller) {
        Val::I64(left) => Ok(u64::try_from(left).unwrap_or(0)),
        _ => Err(fatal("the fuel counter is not an i64")),
    }
}

/// Sets the fuel counter.
fn set_fuel(caller: &mut Ctx<'_>, left: u64) -> Res<()> {
    let fuel = caller
        .data()
        .fuel
        .ok_or_else(|| fatal("the instance's fuel counter is not set"))?;
    let left = i64::try_from(left).map_err(|_| fatal("fuel above i64::MAX"))?;
    fuel.set(&mut *caller, Val::I64(left))
}

/// Gas left, as the contract sees it (whole gas units of the fuel left above the reserve).
fn gas_left(caller: &mut Ctx<'_>) -> Res<u64> {
    Ok(get_fuel(caller)?.saturating_sub(FUEL_RESERVE) / FUEL_PER_GAS)
}

/// Charges `gas`, or traps with out-of-gas (all fuel gone) when there is not enough.
fn charge(caller: &mut Ctx<'_>, gas: u64) -> Res<()> {
    let fuel = get_fuel(caller)?;
    let cost = gas.saturating_mul(FUEL_PER_GAS);
    if cost > fuel.saturating_sub(FUEL_RESERVE) {
        set_fuel(caller, 0)?;
        return Err(trap(TrapKind::OutOfGas));
    }
    set_fuel(caller, fuel - cost)
}

fn static_check(caller: &mut Ctx<'_>) -> Res<()> {
    if caller.data_mut().host().is_static() {
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

/// Defines every host function of [`HOST_FUNCTIONS`](crate::HOST_FUNCTIONS) in `linker`.
pub(crate) fn link(linker: &mut Linker<HostState>, g: GasSchedule) -> wasmtime::Result<()> {
    const M: &str = crate::host_api::HOST_MODULE;

    linker.func_wrap(M, "input_size", move |mut c: Ctx<'_>| -> Res<i32> {
        charge(&mut c, g.base)?;
        Ok(c.data_mut().host().input().len() as i32)
    })?;

    linker.func_wrap(
        M,
        "input_copy",
        move |mut c: Ctx<'_>, dest: i32, offset: i32, len: i32| -> Res<()> {
            let len = length(len);
            check(&c, dest, len)?;
            charge(&mut c, per_word(g.copy_base, g.copy_per_word, len))?;
            let memory = c
                .data()
                .memory
                .ok_or_else(|| fatal("the instance's memory is not set"))?;
            let (data, state) = memory.data_and_store_mut(&mut c);
            let r = range(data.len(), dest, len)?;
            let out = &mut data[r];
            // As CALLDATACOPY: bytes past the end of the input read as zero.
            let input = state.host().input();
            let start = (offset as u32 as usize).min(input.len());
            let available = &input[start..];
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            out[n..].fill(0);
            Ok(())
        },
    )?;

    linker.func_wrap(
        M,
        "set_return",
        move |mut c: Ctx<'_>, ptr: i32, len: i32| -> Res<()> {
            let len = length(len);
            check(&c, ptr, len)?;
            charge(&mut c, per_word(0, g.copy_per_word, len))?;
            let data = read(&c, ptr, len)?;
            c.data_mut().output = data;
            Ok(())
        },
    )?;

    linker.func_wrap(
        M,
        "revert",
        move |mut c: Ctx<'_>, ptr: i32, len: i32| -> Res<()> {
            let len = length(len);
            check(&c, ptr, len)?;
            charge(&mut c, per_word(0, g.copy_per_word, len))?;
            let data = read(&c, ptr, len)?;
            Err(wasmtime::Error::new(Exit::Revert(data)))
        },
    )?;

    linker.func_wrap(
        M,
        "storage_load",
        move |mut c: Ctx<'_>, key_ptr: i32, value_out: i32| -> Res<()> {
            let key = read_array::<32>(&c, key_ptr)?;
            check(&c, value_out, 32)?;
            let (value, cost) = c.data_mut().host().storage_load(key).map_err(host_error)?;
            charge(&mut c, cost)?;
            write(&mut c, value_out, &value)
        },
    )?;

    linker.func_wrap(
        M,
        "storage_store",
        move |mut c: Ctx<'_>, key_ptr: i32, value_ptr: i32| -> Res<()> {
            let key = read_array::<32>(&c, key_ptr)?;
            let value = read_array::<32>(&c, value_ptr)?;
            static_check(&mut c)?;
            if gas_left(&mut c)? <= g.sstore_sentry {
                set_fuel(&mut c, 0)?;
                return Err(trap(TrapKind::OutOfGas));
            }
            let cost = c
                .data_mut()
                .host()
                .storage_store(key, value)
                .map_err(host_error)?;
            charge(&mut c, cost)
        },
    )?;

    linker.func_wrap(
        M,
        "emit_log",
        move |mut c: Ctx<'_>,
              topics_ptr: i32,
              topic_count: i32,
              data_ptr: i32,
              data_len: i32|
              -> Res<()> {
            let count = match usize::try_from(topic_count) {
                Ok(n) if n <= 4 => n,
                _ => return Err(trap(TrapKind::ArgumentOutOfRange)),
            };
            let data_len = length(data_len);
            check(&c, topics_ptr, 32 * count as u64)?;
            check(&c, data_ptr, data_len)?;
            static_check(&mut c)?;
            charge(
                &mut c,
                g.log_base
                    .saturating_add(g.log_per_topic.saturating_mul(count as u64))
                    .saturating_add(g.log_per_byte.saturating_mul(data_len)),
            )?;
            let raw = read(&c, topics_ptr, 32 * count as u64)?;
            let topics: Vec<[u8; 32]> = raw
                .chunks_exact(32)
                .map(|t| {
                    let mut topic = [0u8; 32];
                    topic.copy_from_slice(t);
                    topic
                })
                .collect();
            let data = read(&c, data_ptr, data_len)?;
            c.data_mut()
                .host()
                .emit_log(&topics, &data)
                .map_err(host_error)
        },
    )?;

    linker.func_wrap(M, "caller", move |mut c: Ctx<'_>, out: i32| -> Res<()> {
        check(&c, out, 20)?;
        charge(&mut c, g.base)?;
        let v = c.data_mut().host().caller();
        write(&mut c, out, &v)
    })?;

    linker.func_wrap(M, "origin", move |mut c: Ctx<'_>, out: i32| -> Res<()> {
        check(&c, out, 20)?;
        charge(&mut c, g.base)?;
        let v = c.data_mut().host().origin();
        write(&mut c, out, &v)
    })?;

    linker.func_wrap(M, "address", move |mut c: Ctx<'_>, out: i32| -> Res<()> {
        check(&c, out, 20)?;
        charge(&mut c, g.base)?;
        let v = c.data_mut().host().address();
        write(&mut c, out, &v)
    })?;

    linker.func_wrap(
        M,
        "call_value",
        move |mut c: Ctx<'_>, out: i32| -> Res<()> {
            check(&c, out, 32)?;
            charge(&mut c, g.base)?;
            let v = c.data_mut().host().call_value();
            write(&mut c, out, &v)
        },
    )?;

    linker.func_wrap(M, "block_number", move |mut c: Ctx<'_>| -> Res<i64> {
        charge(&mut c, g.base)?;
        Ok(c.data_mut().host().block_number() as i64)
    })?;

    linker.func_wrap(M, "block_timestamp", move |mut c: Ctx<'_>| -> Res<i64> {
        charge(&mut c, g.base)?;
        Ok(c.data_mut().host().block_timestamp() as i64)
    })?;

    linker.func_wrap(M, "chain_id", move |mut c: Ctx<'_>| -> Res<i64> {
        charge(&mut c, g.base)?;
        Ok(c.data_mut().host().chain_id() as i64)
    })?;

    linker.func_wrap(M, "gas_left", move |mut c: Ctx<'_>| -> Res<i64> {
        charge(&mut c, g.base)?;
        Ok(gas_left(&mut c)? as i64)
    })?;

    linker.func_wrap(
        M,
        "call",
        move |mut c: Ctx<'_>,
              kind: i32,
              addr_ptr: i32,
              value_ptr: i32,
              data_ptr: i32,
              data_len: i32,
              gas: i64|
              -> Res<i32> {
            let kind =
                CallKind::from_i32(kind).ok_or_else(|| trap(TrapKind::ArgumentOutOfRange))?;
            let requested = u64::try_from(gas).map_err(|_| trap(TrapKind::ArgumentOutOfRange))?;
            let to = read_array::<20>(&c, addr_ptr)?;
            // STATICCALL and DELEGATECALL carry no value: `value_ptr` is not read.
            let value = match kind {
                CallKind::Call => read_array::<32>(&c, value_ptr)?,
                CallKind::StaticCall | CallKind::DelegateCall => [0u8; 32],
            };
            let data_len = length(data_len);
            check(&c, data_ptr, data_len)?;
            if value != [0u8; 32] {
                static_check(&mut c)?;
            }
            let cost = c
                .data_mut()
                .host()
                .call_cost(kind, to, value)
                .map_err(host_error)?;
            charge(&mut c, cost)?;
            let data = read(&c, data_ptr, data_len)?;
            let cap = all_but_one_64th(gas_left(&mut c)?);
            let forwarded = if requested == 0 {
                cap
            } else {
                requested.min(cap)
            };
            let result = c
                .data_mut()
                .host()
                .call(kind, to, value, &data, forwarded)
                .map_err(host_error)?;
            charge(&mut c, result.gas_used)?;
            c.data_mut().return_data = result.return_data;
            Ok(result.status.code())
        },
    )?;

    linker.func_wrap(
        M,
        "create",
        move |mut c: Ctx<'_>,
              code_ptr: i32,
              code_len: i32,
              value_ptr: i32,
              salt_ptr: i32,
              address_out: i32|
              -> Res<i32> {
            let code_len = length(code_len);
            check(&c, code_ptr, code_len)?;
            let value = read_array::<32>(&c, value_ptr)?;
            let salt = if salt_ptr == -1 {
                None
            } else {
                Some(read_array::<32>(&c, salt_ptr)?)
            };
            check(&c, address_out, 20)?;
            static_check(&mut c)?;
            let hashing = if salt.is_some() {
                per_word(0, g.create2_hash_per_word, code_len)
            } else {
                0
            };
            charge(
                &mut c,
                per_word(g.create_base, g.init_code_per_word, code_len).saturating_add(hashing),
            )?;
            let code = read(&c, code_ptr, code_len)?;
            let forwarded = all_but_one_64th(gas_left(&mut c)?);
            let result = c
                .data_mut()
                .host()
                .create(&code, value, salt, forwarded)
                .map_err(host_error)?;
            charge(&mut c, result.gas_used)?;
            if result.status == CallStatus::Success {
                write(&mut c, address_out, &result.address)?;
            }
            c.data_mut().return_data = result.return_data;
            Ok(result.status.code())
        },
    )?;

    linker.func_wrap(M, "return_data_size", move |mut c: Ctx<'_>| -> Res<i32> {
        charge(&mut c, g.base)?;
        Ok(c.data().return_data.len() as i32)
    })?;

    linker.func_wrap(
        M,
        "return_data_copy",
        move |mut c: Ctx<'_>, dest: i32, offset: i32, len: i32| -> Res<()> {
            let len = length(len);
            check(&c, dest, len)?;
            // As RETURNDATACOPY: reading past the end of the return data is an error.
            let source = range(c.data().return_data.len(), offset, len)?;
            charge(&mut c, per_word(g.copy_base, g.copy_per_word, len))?;
            let bytes = c.data().return_data[source].to_vec();
            write(&mut c, dest, &bytes)
        },
    )?;

    linker.func_wrap(
        M,
        "keccak256",
        move |mut c: Ctx<'_>, ptr: i32, len: i32, out: i32| -> Res<()> {
            let len = length(len);
            check(&c, ptr, len)?;
            check(&c, out, 32)?;
            charge(&mut c, per_word(g.keccak_base, g.keccak_per_word, len))?;
            let data = read(&c, ptr, len)?;
            let hash = c.data_mut().host().keccak256(&data);
            write(&mut c, out, &hash)
        },
    )?;

    linker.func_wrap(
        M,
        "chain_hash",
        move |mut c: Ctx<'_>, ptr: i32, len: i32, out: i32| -> Res<()> {
            let len = length(len);
            check(&c, ptr, len)?;
            check(&c, out, 32)?;
            charge(
                &mut c,
                per_word(g.chain_hash_base, g.chain_hash_per_word, len),
            )?;
            let data = read(&c, ptr, len)?;
            let hash = c.data_mut().host().chain_hash(&data);
            write(&mut c, out, &hash)
        },
    )?;

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
