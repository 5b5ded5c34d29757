/*
 * kestrel's DSDT: the platform devices a stock kernel should find through
 * ACPI on a hardware-reduced ACPI PC. Power-off goes through the FADT's
 * sleep control register using the _S5 type below; reset through its reset
 * register. CPUs and interrupt controllers are in the MADT.
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "KSTREL", "KESTREL", 1)
{
    /* SLP_TYP for S5 (soft off), written to the sleep control register. */
    Name (_S5, Package () { 0x05, 0x05, Zero, Zero })

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
