//! Exploitation mitigations of an ELF binary (CRA Annex I (2)(k): "limit the impact of an
//! incident using exploitation mitigation mechanisms"), read from its headers as checksec and
//! LIEF read them: position independence, RELRO and immediate binding, a non-executable stack,
//! no segment both writable and executable, no text relocations, symbols and debug information.

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, FileKind};
use serde::Serialize;

/// What the binary's headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mitigations {
    /// Loaded at a random address.
    pub pie: Pie,
    /// Relocation tables made read-only after start-up.
    pub relro: Relro,
    /// The stack is not executable (`PT_GNU_STACK` without execute).
    pub nx_stack: bool,
    /// Some loaded segment is both writable and executable.
    pub wx_segment: bool,
    /// Code is patched at load time (`DT_TEXTREL`).
    pub text_relocations: bool,
    /// The symbol table is there (not stripped).
    pub symbols: bool,
    /// DWARF debug information is there.
    pub debug_info: bool,
}

/// Position independence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pie {
    /// A position-independent executable, dynamically linked.
    Pie,
    /// A static position-independent executable (it relocates itself; `DF_1_PIE`).
    StaticPie,
    /// A shared object (a library, or the dynamic loader): position-independent by nature.
    Dso,
    /// Loaded at a fixed address.
    No,
}

/// Read-only relocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relro {
    /// `PT_GNU_RELRO` and immediate binding (`BIND_NOW`): the GOT is read-only too.
    Full,
    /// `PT_GNU_RELRO` only: lazily bound entries stay writable.
    Partial,
    /// None.
    None,
}

impl Mitigations {
    /// Reads the ELF file `data`.
    pub fn of(data: &[u8]) -> Result<Mitigations, String> {
        let read = |e: object::read::Error| e.to_string();
        match FileKind::parse(data).map_err(read)? {
            FileKind::Elf64 => inspect::<elf::FileHeader64<Endianness>>(data),
            FileKind::Elf32 => inspect::<elf::FileHeader32<Endianness>>(data),
            _ => Err("not an ELF file".into()),
        }
    }

    /// What a file that starts like an ELF file lacks (`None`: not an ELF file). Headers
    /// that cannot be read count as a weakness.
    pub fn weaknesses_of_file(
        path: &std::path::Path,
    ) -> std::io::Result<Option<Vec<&'static str>>> {
        use std::io::Read as _;
        let mut magic = [0u8; 4];
        let mut file = std::fs::File::open(path)?;
        if file.read_exact(&mut magic).is_err() || magic != *b"\x7fELF" {
            return Ok(None);
        }
        let bytes = std::fs::read(path)?;
        Ok(Some(match Mitigations::of(&bytes) {
            Ok(m) => m.weaknesses(),
            Err(_) => vec!["ELF headers that cannot be read"],
        }))
    }

    /// The mitigations it lacks, one phrase each (empty: none lacking).
    pub fn weaknesses(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.pie == Pie::No {
            out.push("not position-independent (PIE)");
        }
        if self.relro != Relro::Full {
            out.push("no full RELRO (BIND_NOW)");
        }
        if !self.nx_stack {
            out.push("an executable stack");
        }
        if self.wx_segment {
            out.push("a writable and executable segment");
        }
        if self.text_relocations {
            out.push("text relocations");
        }
        out
    }

    /// `(name, value)` pairs for the SBOM, under `cargo-cra:hardening:`.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        use cra_model::properties as p;
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        vec![
            (p::HARDENING_PIE, self.pie.word().to_string()),
            (p::HARDENING_RELRO, self.relro.word().to_string()),
            (p::HARDENING_NX_STACK, yes_no(self.nx_stack)),
            (p::HARDENING_WX_SEGMENT, yes_no(self.wx_segment)),
            (p::HARDENING_TEXT_RELOCATIONS, yes_no(self.text_relocations)),
            (p::HARDENING_SYMBOLS, yes_no(self.symbols)),
            (p::HARDENING_DEBUG_INFO, yes_no(self.debug_info)),
        ]
    }
}

impl Pie {
    /// The SBOM's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Pie::Pie => "pie",
            Pie::StaticPie => "static-pie",
            Pie::Dso => "shared-object",
            Pie::No => "no",
        }
    }
}

impl Relro {
    /// The SBOM's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Relro::Full => "full",
            Relro::Partial => "partial",
            Relro::None => "none",
        }
    }
}

fn inspect<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Mitigations, String> {
    let read = |e: object::read::Error| e.to_string();
    let header = Elf::parse(data).map_err(read)?;
    let endian = header.endian().map_err(read)?;
    let (mut interp, mut relro_segment, mut stack_flags, mut wx) = (false, false, None, false);
    let (mut bind_now, mut textrel, mut flags_1_pie) = (false, false, false);
    for ph in header.program_headers(endian, data).map_err(read)? {
        let flags = ph.p_flags(endian);
        match ph.p_type(endian) {
            elf::PT_INTERP => interp = true,
            elf::PT_GNU_RELRO => relro_segment = true,
            elf::PT_GNU_STACK => stack_flags = Some(flags),
            elf::PT_LOAD => wx |= flags & elf::PF_W != 0 && flags & elf::PF_X != 0,
            _ => {}
        }
        for d in ph.dynamic(endian, data).map_err(read)?.unwrap_or_default() {
            let (tag, val) = (d.tag(endian), d.val(endian));
            // The loader reads no further.
            if tag == elf::DT_NULL {
                break;
            }
            match tag {
                elf::DT_BIND_NOW => bind_now = true,
                elf::DT_TEXTREL => textrel = true,
                elf::DT_FLAGS => {
                    bind_now |= val & u64::from(elf::DF_BIND_NOW) != 0;
                    textrel |= val & u64::from(elf::DF_TEXTREL) != 0;
                }
                elf::DT_FLAGS_1 => {
                    bind_now |= val & u64::from(elf::DF_1_NOW) != 0;
                    flags_1_pie |= val & u64::from(elf::DF_1_PIE) != 0;
                }
                _ => {}
            }
        }
    }
    let pie = match (header.e_type(endian), interp) {
        (elf::ET_EXEC, _) => Pie::No,
        (elf::ET_DYN, true) => Pie::Pie,
        (elf::ET_DYN, false) if flags_1_pie => Pie::StaticPie,
        (elf::ET_DYN, false) => Pie::Dso,
        // Object files and core dumps are not run: no verdict.
        _ => return Err("not an executable or shared object".into()),
    };
    // A section table that does not parse loses the symbols verdict, not the others.
    let (mut symbols, mut debug_info) = (false, false);
    if let Ok(sections) = header.sections(endian, data) {
        for s in sections.iter() {
            symbols |= s.sh_type(endian) == elf::SHT_SYMTAB;
            let name = sections.section_name(endian, s).unwrap_or_default();
            debug_info |= name.starts_with(b".debug_");
        }
    }
    Ok(Mitigations {
        pie,
        relro: match (relro_segment, bind_now) {
            (true, true) => Relro::Full,
            (true, false) => Relro::Partial,
            (false, _) => Relro::None,
        },
        // Without PT_GNU_STACK the kernel gives most architectures an executable stack.
        nx_stack: stack_flags.is_some_and(|f| f & elf::PF_X == 0),
        wx_segment: wx,
        text_relocations: textrel,
        symbols,
        debug_info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_a_hardened_pie() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let m = Mitigations::of(&me).unwrap();
        assert_eq!(m.pie, Pie::Pie);
        assert!(m.nx_stack && !m.wx_segment && !m.text_relocations, "{m:?}");
        assert!(Mitigations::of(b"\x7fELF").is_err());
        assert!(Mitigations::of(b"MZ").is_err());
    }
}
