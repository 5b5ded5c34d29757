// SPDX-License-Identifier: MIT
/* The x86-64 register file as gdb's remote protocol numbers it. */
#include "arch/x86/gdb_regs.h"

#include <stddef.h>
#include <string.h>

/*
 * gdb numbers the registers in the order listed, from 0. Its own
 * features (core, sse, segments) carry the names its amd64 support
 * looks for; the rest go in a feature of kestrel's, which gdb shows as
 * they are.
 */
const char gdb_x86_target_xml[] =
	"<?xml version='1.0'?>\n"
	"<!DOCTYPE target SYSTEM 'gdb-target.dtd'>\n"
	"<target version='1.0'>\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name='org.gnu.gdb.i386.core'>\n"
	"<flags id='i386_eflags' size='4'>\n"
	"<field name='CF' start='0' end='0'/>\n"
	"<field name='' start='1' end='1'/>\n"
	"<field name='PF' start='2' end='2'/>\n"
	"<field name='AF' start='4' end='4'/>\n"
	"<field name='ZF' start='6' end='6'/>\n"
	"<field name='SF' start='7' end='7'/>\n"
	"<field name='TF' start='8' end='8'/>\n"
	"<field name='IF' start='9' end='9'/>\n"
	"<field name='DF' start='10' end='10'/>\n"
	"<field name='OF' start='11' end='11'/>\n"
	"<field name='NT' start='14' end='14'/>\n"
	"<field name='RF' start='16' end='16'/>\n"
	"<field name='VM' start='17' end='17'/>\n"
	"<field name='AC' start='18' end='18'/>\n"
	"<field name='VIF' start='19' end='19'/>\n"
	"<field name='VIP' start='20' end='20'/>\n"
	"<field name='ID' start='21' end='21'/>\n"
	"</flags>\n"
	"<reg name='rax' bitsize='64' type='int64'/>\n"
	"<reg name='rbx' bitsize='64' type='int64'/>\n"
	"<reg name='rcx' bitsize='64' type='int64'/>\n"
	"<reg name='rdx' bitsize='64' type='int64'/>\n"
	"<reg name='rsi' bitsize='64' type='int64'/>\n"
	"<reg name='rdi' bitsize='64' type='int64'/>\n"
	"<reg name='rbp' bitsize='64' type='data_ptr'/>\n"
	"<reg name='rsp' bitsize='64' type='data_ptr'/>\n"
	"<reg name='r8' bitsize='64' type='int64'/>\n"
	"<reg name='r9' bitsize='64' type='int64'/>\n"
	"<reg name='r10' bitsize='64' type='int64'/>\n"
	"<reg name='r11' bitsize='64' type='int64'/>\n"
	"<reg name='r12' bitsize='64' type='int64'/>\n"
	"<reg name='r13' bitsize='64' type='int64'/>\n"
	"<reg name='r14' bitsize='64' type='int64'/>\n"
	"<reg name='r15' bitsize='64' type='int64'/>\n"
	"<reg name='rip' bitsize='64' type='code_ptr'/>\n"
	"<reg name='eflags' bitsize='32' type='i386_eflags'/>\n"
	"<reg name='cs' bitsize='32' type='int32'/>\n"
	"<reg name='ss' bitsize='32' type='int32'/>\n"
	"<reg name='ds' bitsize='32' type='int32'/>\n"
	"<reg name='es' bitsize='32' type='int32'/>\n"
	"<reg name='fs' bitsize='32' type='int32'/>\n"
	"<reg name='gs' bitsize='32' type='int32'/>\n"
	"<reg name='st0' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st1' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st2' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st3' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st4' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st5' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st6' bitsize='80' type='i387_ext'/>\n"
	"<reg name='st7' bitsize='80' type='i387_ext'/>\n"
	"<reg name='fctrl' bitsize='32' type='int' group='float'/>\n"
	"<reg name='fstat' bitsize='32' type='int' group='float'/>\n"
	"<reg name='ftag' bitsize='32' type='int' group='float'/>\n"
	"<reg name='fiseg' bitsize='32' type='int' group='float'/>\n"
	"<reg name='fioff' bitsize='32' type='int' group='float'/>\n"
	"<reg name='foseg' bitsize='32' type='int' group='float'/>\n"
	"<reg name='fooff' bitsize='32' type='int' group='float'/>\n"
	"<reg name='fop' bitsize='32' type='int' group='float'/>\n"
	"</feature>\n"
	"<feature name='org.gnu.gdb.i386.sse'>\n"
	"<vector id='v4f' type='ieee_single' count='4'/>\n"
	"<vector id='v2d' type='ieee_double' count='2'/>\n"
	"<vector id='v16i8' type='int8' count='16'/>\n"
	"<vector id='v8i16' type='int16' count='8'/>\n"
	"<vector id='v4i32' type='int32' count='4'/>\n"
	"<vector id='v2i64' type='int64' count='2'/>\n"
	"<union id='vec128'>\n"
	"<field name='v4_float' type='v4f'/>\n"
	"<field name='v2_double' type='v2d'/>\n"
	"<field name='v16_int8' type='v16i8'/>\n"
	"<field name='v8_int16' type='v8i16'/>\n"
	"<field name='v4_int32' type='v4i32'/>\n"
	"<field name='v2_int64' type='v2i64'/>\n"
	"<field name='uint128' type='uint128'/>\n"
	"</union>\n"
	"<flags id='i386_mxcsr' size='4'>\n"
	"<field name='IE' start='0' end='0'/>\n"
	"<field name='DE' start='1' end='1'/>\n"
	"<field name='ZE' start='2' end='2'/>\n"
	"<field name='OE' start='3' end='3'/>\n"
	"<field name='UE' start='4' end='4'/>\n"
	"<field name='PE' start='5' end='5'/>\n"
	"<field name='DAZ' start='6' end='6'/>\n"
	"<field name='IM' start='7' end='7'/>\n"
	"<field name='DM' start='8' end='8'/>\n"
	"<field name='ZM' start='9' end='9'/>\n"
	"<field name='OM' start='10' end='10'/>\n"
	"<field name='UM' start='11' end='11'/>\n"
	"<field name='PM' start='12' end='12'/>\n"
	"<field name='FZ' start='15' end='15'/>\n"
	"</flags>\n"
	"<reg name='xmm0' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm1' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm2' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm3' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm4' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm5' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm6' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm7' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm8' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm9' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm10' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm11' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm12' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm13' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm14' bitsize='128' type='vec128'/>\n"
	"<reg name='xmm15' bitsize='128' type='vec128'/>\n"
	"<reg name='mxcsr' bitsize='32' type='i386_mxcsr' group='vector'/>\n"
	"</feature>\n"
	"<feature name='org.gnu.gdb.i386.segments'>\n"
	"<reg name='fs_base' bitsize='64' type='int'/>\n"
	"<reg name='gs_base' bitsize='64' type='int'/>\n"
	"</feature>\n"
	"<feature name='org.kestrel.x86.system'>\n"
	"<flags id='x86_cr0' size='8'>\n"
	"<field name='PE' start='0' end='0'/>\n"
	"<field name='MP' start='1' end='1'/>\n"
	"<field name='EM' start='2' end='2'/>\n"
	"<field name='TS' start='3' end='3'/>\n"
	"<field name='ET' start='4' end='4'/>\n"
	"<field name='NE' start='5' end='5'/>\n"
	"<field name='WP' start='16' end='16'/>\n"
	"<field name='AM' start='18' end='18'/>\n"
	"<field name='NW' start='29' end='29'/>\n"
	"<field name='CD' start='30' end='30'/>\n"
	"<field name='PG' start='31' end='31'/>\n"
	"</flags>\n"
	"<flags id='x86_cr4' size='8'>\n"
	"<field name='VME' start='0' end='0'/>\n"
	"<field name='PVI' start='1' end='1'/>\n"
	"<field name='TSD' start='2' end='2'/>\n"
	"<field name='DE' start='3' end='3'/>\n"
	"<field name='PSE' start='4' end='4'/>\n"
	"<field name='PAE' start='5' end='5'/>\n"
	"<field name='MCE' start='6' end='6'/>\n"
	"<field name='PGE' start='7' end='7'/>\n"
	"<field name='PCE' start='8' end='8'/>\n"
	"<field name='OSFXSR' start='9' end='9'/>\n"
	"<field name='OSXMMEXCPT' start='10' end='10'/>\n"
	"<field name='UMIP' start='11' end='11'/>\n"
	"<field name='LA57' start='12' end='12'/>\n"
	"<field name='VMXE' start='13' end='13'/>\n"
	"<field name='SMXE' start='14' end='14'/>\n"
	"<field name='FSGSBASE' start='16' end='16'/>\n"
	"<field name='PCIDE' start='17' end='17'/>\n"
	"<field name='OSXSAVE' start='18' end='18'/>\n"
	"<field name='SMEP' start='20' end='20'/>\n"
	"<field name='SMAP' start='21' end='21'/>\n"
	"<field name='PKE' start='22' end='22'/>\n"
	"</flags>\n"
	"<flags id='x86_efer' size='8'>\n"
	"<field name='SCE' start='0' end='0'/>\n"
	"<field name='LME' start='8' end='8'/>\n"
	"<field name='LMA' start='10' end='10'/>\n"
	"<field name='NXE' start='11' end='11'/>\n"
	"<field name='SVME' start='12' end='12'/>\n"
	"<field name='LMSLE' start='13' end='13'/>\n"
	"<field name='FFXSR' start='14' end='14'/>\n"
	"<field name='TCE' start='15' end='15'/>\n"
	"</flags>\n"
	"<reg name='k_gs_base' bitsize='64' type='int64'/>\n"
	"<reg name='cr0' bitsize='64' type='x86_cr0'/>\n"
	"<reg name='cr2' bitsize='64' type='data_ptr'/>\n"
	"<reg name='cr3' bitsize='64' type='int64'/>\n"
	"<reg name='cr4' bitsize='64' type='x86_cr4'/>\n"
	"<reg name='cr8' bitsize='64' type='int64'/>\n"
	"<reg name='efer' bitsize='64' type='x86_efer'/>\n"
	"</feature>\n"
	"</target>\n";

const size_t gdb_x86_target_xml_len = sizeof(gdb_x86_target_xml) - 1;

/* Where struct x86_cpu_state keeps a register gdb names. */
enum field {
	NONE, /* kestrel does not keep it: unavailable */
	U64, /* a uint64_t as wide as gdb's */
	U64_LOW32, /* the low half of a uint64_t: eflags */
	U16, /* a uint16_t gdb widens: a selector */
};

struct reg {
	uint8_t size;
	uint8_t field;
	uint16_t offset;
};

#define STATE(member, f, bytes)                                  \
	{                                                        \
		.size = bytes, .field = f,                       \
		.offset = offsetof(struct x86_cpu_state, member) \
	}
#define GPR(i) STATE(gpr[i], U64, 8)
#define SEG(i) STATE(seg[i].selector, U16, 4)
#define ABSENT(bytes)                        \
	{                                    \
		.size = bytes, .field = NONE \
	}

static const struct reg regs[GDB_X86_NR_REGS] = {
	GPR(X86_RAX),
	GPR(X86_RBX),
	GPR(X86_RCX),
	GPR(X86_RDX),
	GPR(X86_RSI),
	GPR(X86_RDI),
	GPR(X86_RBP),
	GPR(X86_RSP),
	GPR(X86_R8),
	GPR(X86_R9),
	GPR(X86_R10),
	GPR(X86_R11),
	GPR(X86_R12),
	GPR(X86_R13),
	GPR(X86_R14),
	GPR(X86_R15),
	STATE(rip, U64, 8),
	STATE(rflags, U64_LOW32, 4),
	SEG(X86_CS),
	SEG(X86_SS),
	SEG(X86_DS),
	SEG(X86_ES),
	SEG(X86_FS),
	SEG(X86_GS),
	[24 ... 31] = ABSENT(10), /* st0-st7 */
	[32 ... 39] = ABSENT(4), /* fctrl ... fop */
	[40 ... 55] = ABSENT(16), /* xmm0-xmm15 */
	[56] = ABSENT(4), /* mxcsr */
	STATE(seg[X86_FS].base, U64, 8),
	STATE(seg[X86_GS].base, U64, 8),
	STATE(kernel_gs_base, U64, 8),
	STATE(cr0, U64, 8),
	STATE(cr2, U64, 8),
	STATE(cr3, U64, 8),
	STATE(cr4, U64, 8),
	STATE(cr8, U64, 8),
	STATE(efer, U64, 8),
};

unsigned int gdb_x86_reg_size(unsigned int regno)
{
	return regno < GDB_X86_NR_REGS ? regs[regno].size : 0;
}

bool gdb_x86_reg_get(const struct x86_cpu_state *s, unsigned int regno,
		     uint8_t *out)
{
	const struct reg *r;
	const uint8_t *at;
	uint64_t v;

	if (regno >= GDB_X86_NR_REGS || regs[regno].field == NONE)
		return false;
	r = &regs[regno];
	at = (const uint8_t *)s + r->offset;
	if (r->field == U16) {
		uint16_t sel;

		memcpy(&sel, at, sizeof(sel));
		v = sel;
	} else {
		memcpy(&v, at, sizeof(v));
	}
	for (unsigned int i = 0; i < r->size; i++)
		out[i] = (uint8_t)(v >> (8 * i));
	return true;
}

bool gdb_x86_reg_set(struct x86_cpu_state *s, unsigned int regno,
		     const uint8_t *in)
{
	const struct reg *r;
	uint8_t *at;
	uint64_t v = 0, old;

	if (regno >= GDB_X86_NR_REGS || regs[regno].field == NONE)
		return false;
	r = &regs[regno];
	at = (uint8_t *)s + r->offset;
	for (unsigned int i = 0; i < r->size; i++)
		v |= (uint64_t)in[i] << (8 * i);
	if (r->field == U16) {
		uint16_t sel = (uint16_t)v;

		memcpy(at, &sel, sizeof(sel));
		return true;
	}
	if (r->field == U64_LOW32) {
		memcpy(&old, at, sizeof(old));
		v |= old & ~(uint64_t)UINT32_MAX;
	}
	memcpy(at, &v, sizeof(v));
	return true;
}
