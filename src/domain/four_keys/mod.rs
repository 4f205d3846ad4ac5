//! DORA four keys (work in progress: see issue "vitals four-keys").
