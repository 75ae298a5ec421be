(self.siteSearchData=self.siteSearchData||{})["s/r"]={"terms":"grace gradient graph predict prefer properti train"};
