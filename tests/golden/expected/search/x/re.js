(self.siteSearchData=self.siteSearchData||{})["x/re"]={"df":"01010202","terms":"reach result review revisit"};
