/*
 * kestrel's DSDT: the platform devices a stock kernel should find through
 * ACPI on a hardware-reduced ACPI PC. Power-off goes through the FADT's
 * sleep control register using the _S5 type below; reset through its reset
 * register. CPUs and interrupt controllers are in the MADT.
 *
 * Keep in step with arch/x86/layout.h (MMIO window, ECAM, virtio-mmio),
 * devices/pci.h (INTx routing: slot s raises GSI 16 + (s & 7)) and
 * vmm/platform.c (virtio-mmio interrupt lines).
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "KSTREL", "KESTREL", 1)
{
    /* SLP_TYP for S5 (soft off), written to the sleep control register. */
    Name (_S5, Package () { 0x05, 0x05, Zero, Zero })

    /*
     * Which virtio-mmio slots hold a device, one bit per slot: kestrel
     * overwrites this placeholder (ACPI_VMMS_PLACEHOLDER) as it builds
     * the tables.
     */
    Name (VMMS, 0x4D4D564B)

    Scope (\_SB)
    {
        /* COM1: 16550A UART on the first serial port's I/O range and IRQ. */
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () { 4 }
            })
        }

        /*
         * The PCI host bridge: segment 0, bus 0 only, configured through
         * ports 0xCF8-0xCFF or ECAM (see the MCFG table), devices' BARs in
         * the 32-bit window 0xC0000000-0xDFFFFFFF.
         */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_SEG, Zero)
            Name (_BBN, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x0000, 0x0000, 0x0001)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    NonCacheable, ReadWrite,
                    0x00000000, 0xC0000000, 0xDFFFFFFF, 0x00000000, 0x20000000)
            })

            /* Every device uses INTA; slot s raises GSI 16 + (s & 7). */
            Name (_PRT, Package ()
            {
                Package () { 0x0001FFFF, Zero, Zero, 17 },
                Package () { 0x0002FFFF, Zero, Zero, 18 },
                Package () { 0x0003FFFF, Zero, Zero, 19 },
                Package () { 0x0004FFFF, Zero, Zero, 20 },
                Package () { 0x0005FFFF, Zero, Zero, 21 },
                Package () { 0x0006FFFF, Zero, Zero, 22 },
                Package () { 0x0007FFFF, Zero, Zero, 23 },
                Package () { 0x0008FFFF, Zero, Zero, 16 },
                Package () { 0x0009FFFF, Zero, Zero, 17 },
                Package () { 0x000AFFFF, Zero, Zero, 18 },
                Package () { 0x000BFFFF, Zero, Zero, 19 },
                Package () { 0x000CFFFF, Zero, Zero, 20 },
                Package () { 0x000DFFFF, Zero, Zero, 21 },
                Package () { 0x000EFFFF, Zero, Zero, 22 },
                Package () { 0x000FFFFF, Zero, Zero, 23 },
                Package () { 0x0010FFFF, Zero, Zero, 16 },
                Package () { 0x0011FFFF, Zero, Zero, 17 },
                Package () { 0x0012FFFF, Zero, Zero, 18 },
                Package () { 0x0013FFFF, Zero, Zero, 19 },
                Package () { 0x0014FFFF, Zero, Zero, 20 },
                Package () { 0x0015FFFF, Zero, Zero, 21 },
                Package () { 0x0016FFFF, Zero, Zero, 22 },
                Package () { 0x0017FFFF, Zero, Zero, 23 },
                Package () { 0x0018FFFF, Zero, Zero, 16 },
                Package () { 0x0019FFFF, Zero, Zero, 17 },
                Package () { 0x001AFFFF, Zero, Zero, 18 },
                Package () { 0x001BFFFF, Zero, Zero, 19 },
                Package () { 0x001CFFFF, Zero, Zero, 20 },
                Package () { 0x001DFFFF, Zero, Zero, 21 },
                Package () { 0x001EFFFF, Zero, Zero, 22 },
                Package () { 0x001FFFFF, Zero, Zero, 23 }
            })

            /* The OS may run all PCIe features natively: there is no firmware. */
            Method (_OSC, 4, NotSerialized)
            {
                CreateDWordField (Arg3, Zero, CDW1)
                If ((Arg0 == ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766")))
                {
                    If ((Arg1 != One))
                    {
                        CDW1 |= 0x08 /* unrecognised revision */
                    }
                }
                Else
                {
                    CDW1 |= 0x04 /* unrecognised UUID */
                }
                Return (Arg3)
            }
        }

        /*
         * Ten virtio-mmio slots (--transport mmio). The n-th device kestrel
         * attaches takes slot n, and slot n is present when bit n of VMMS
         * is set. (Reading the device's own registers from AML would map
         * them write-back and Linux could then not map them uncached.)
         */
        Device (VR00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 0)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x01)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8000000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 5 }
            })
        }

        Device (VR01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 1)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x02)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8001000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 6 }
            })
        }

        Device (VR02)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 2)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x04)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8002000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 7 }
            })
        }

        Device (VR03)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 3)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x08)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8003000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 9 }
            })
        }

        Device (VR04)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 4)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x10)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8004000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 10 }
            })
        }

        Device (VR05)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 5)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x20)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8005000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 11 }
            })
        }

        Device (VR06)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 6)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x40)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8006000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 12 }
            })
        }

        Device (VR07)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 7)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x80)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8007000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 13 }
            })
        }

        Device (VR08)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 8)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x100)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8008000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 14 }
            })
        }

        Device (VR09)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 9)
            Name (_CCA, One)
            Method (_STA, 0, NotSerialized)
            {
                If ((VMMS & 0x200)) { Return (0x0F) }
                Return (Zero)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE8009000, 0x00000200)
                Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 15 }
            })
        }

        /* CMOS real-time clock. */
        Device (RTC)
        {
            Name (_HID, EisaId ("PNP0B00"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                IRQNoFlags () { 8 }
            })
        }
    }
}
