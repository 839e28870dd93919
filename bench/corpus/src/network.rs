//! Where calls come from: the public address blocks of offices, AWS
//! regions, CI runners and the networks attackers rent.
//!
//! The blocks are real allocations (checked against an IP-to-AS table), so a
//! host that enriches `source.ip` with AS and geo data sees what it would see
//! in production: Amazon's AS for workloads, ISPs for offices, Microsoft for
//! GitHub-hosted runners, and commercial VPN and hosting networks (Mullvad,
//! M247, Datacamp, Vultr, Linode, Hetzner, DigitalOcean) for attackers. The
//! VPN networks are among those the VPN-discovery rule lists.
//!
//! An office is one /24, as a NAT pool is, so every address a person uses
//! belongs to one network in one city: rules that count networks or cities
//! per key do not fire on routine traffic. A region's workloads draw from a
//! few /16 blocks of that region.

use crate::dice::Dice;

/// A block of addresses: two or three leading octets, the rest random.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block(&'static str);

impl Block {
    /// A random host address in the block.
    pub(crate) fn address(self, dice: &mut Dice) -> String {
        let fixed = self.0.split('.').count();
        let mut address = self.0.to_owned();
        for _ in fixed..4 {
            address.push_str(&format!(".{}", dice.between(1, 254)));
        }
        address
    }
}

/// Offices and the data centre, one /24 each (ISP networks).
pub(crate) const OFFICES: [Block; 5] = [
    Block("24.5.20"),   // US east coast, Comcast
    Block("86.140.35"), // London, BT
    Block("2.165.81"),  // Berlin, Deutsche Telekom
    Block("1.130.44"),  // Sydney, Telstra
    Block("2.5.112"),   // Paris, Orange
];

/// The on-premises data centre that still runs applications with
/// long-term keys (Vodafone).
pub(crate) const DATA_CENTRE: Block = Block("91.64.17");

/// GitHub-hosted runners (Microsoft Azure).
pub(crate) const GITHUB_RUNNERS: [Block; 2] = [Block("4.150"), Block("20.42")];

/// Commercial VPN and hosting networks, for attackers. The first five are
/// in the VPN-discovery rule's list (AS 216025, 9009, 60068, 20473, 63949).
pub(crate) const ATTACKER_NETWORKS: [Block; 7] = [
    Block("45.92.0"),    // Mullvad VPN
    Block("2.57.29"),    // M247
    Block("37.19.192"),  // Datacamp
    Block("5.102.113"),  // The Constant Company (Vultr)
    Block("45.33.10"),   // Akamai (Linode)
    Block("135.181.20"), // Hetzner
    Block("178.62.20"),  // DigitalOcean
];

/// Public EC2 address blocks of a region (Amazon's AS 16509 or 14618).
pub(crate) fn aws_blocks(region: &str) -> &'static [Block] {
    match region {
        "eu-west-1" => &[Block("34.242"), Block("54.216"), Block("52.16")],
        "us-west-2" => &[Block("34.210"), Block("44.230"), Block("52.88")],
        "ap-southeast-2" => &[Block("13.236"), Block("3.24"), Block("54.66")],
        "eu-central-1" => &[Block("3.120"), Block("18.184"), Block("35.156")],
        _ => &[Block("3.84"), Block("44.195"), Block("54.210")],
    }
}

/// An address of an AWS workload in `region`.
pub(crate) fn aws_address(region: &str, dice: &mut Dice) -> String {
    dice.pick(aws_blocks(region)).address(dice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dice::Stream;

    #[test]
    fn addresses_fill_the_block() {
        let mut dice = Dice::new(1, Stream::Organisation);
        let office = OFFICES[0].address(&mut dice);
        assert!(office.starts_with("24.5.20."));
        assert_eq!(office.split('.').count(), 4);
        let workload = aws_address("eu-west-1", &mut dice);
        assert_eq!(workload.split('.').count(), 4);
        assert!(workload.parse::<std::net::Ipv4Addr>().is_ok());
    }
}
