pub mod macho_builder;
