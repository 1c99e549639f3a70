//! Identity and access management: principals, their credentials, and the policy engine
//! that decides, as AWS does, whether a principal may perform an action on a resource.

pub mod policy;
